// What the elements' Shadow DOM styles share; each element's module adds its own to BASE_CSS. Adopted as
// constructed style sheets, which a Content-Security-Policy of style-src 'self' allows (a <style> element
// inside the shadow root would need 'unsafe-inline'); the <style> fallback is for browsers without
// adoptedStyleSheets (Safari before 16.4).
// A host page themes the elements through the custom properties on :host, which cross the shadow boundary.

export const BASE_CSS = `
:host {
  display: inline-block;
  vertical-align: top;
  box-sizing: border-box;
  max-width: 100%;
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif;
  color: var(--lenet-ink, #1d2433);
  --size: var(--lenet-size, 200px);
  --accent: var(--lenet-accent, #2b6cb0);
  --line: var(--lenet-line, #c9d2e3);
  --paper: var(--lenet-paper, #fff);
}
:host([hidden]), [hidden] { display: none !important; }
* { box-sizing: border-box; }
button {
  font: inherit;
  padding: 0.25em 0.8em;
  border: 1px solid var(--line);
  border-radius: 6px;
  background: var(--paper);
  color: inherit;
  cursor: pointer;
}
button:hover { border-color: var(--accent); }
button:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
button:disabled { opacity: 0.5; cursor: default; }
.status { margin: 0.3em 0 0; font-size: 0.9em; color: #5a6477; min-height: 1.4em; }
.status.error { color: #b42318; }
canvas.px { image-rendering: pixelated; }
.maps { display: flex; flex-wrap: wrap; gap: 4px; align-items: flex-start; }
.maps canvas {
  width: var(--tile, 56px);
  height: auto;
  aspect-ratio: var(--aspect, 1);
  border-radius: 3px;
  background: #121830;
}
.maps figure { margin: 0; text-align: center; font-size: 0.8em; color: #5a6477; }
.maps figcaption { line-height: 1.2; }
.maps figcaption.digits { display: flex; }
.maps figcaption.digits span { flex: 1; }
`;

const sheets = new Map(); // one constructed sheet per CSS text, shared by every element of a kind

export function adoptStyles(shadow, css) {
  if ('adoptedStyleSheets' in shadow && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
    if (!sheets.has(css)) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      sheets.set(css, sheet);
    }
    shadow.adoptedStyleSheets = [sheets.get(css)];
  } else {
    const style = document.createElement('style');
    style.textContent = css;
    shadow.append(style);
  }
}
