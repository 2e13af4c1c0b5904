// The elements' Shadow DOM styles. Adopted as constructed style sheets, which a Content-Security-Policy
// of style-src 'self' allows (a <style> element inside the shadow root would need 'unsafe-inline'); the
// <style> fallback is for browsers without adoptedStyleSheets (Safari before 16.4).
// A host page themes the elements through the custom properties on :host, which cross the shadow boundary.

const BASE = `
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

export const PAD_CSS = `${BASE}
.wrap { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.pad { display: flex; flex-direction: column; gap: 6px; }
.pad canvas {
  width: var(--size);
  height: var(--size);
  border: 1px solid var(--line);
  border-radius: 8px;
  background: #fff;
  touch-action: none;
  cursor: crosshair;
}
.tools { display: flex; gap: 6px; }
.result { display: flex; flex-direction: column; gap: 6px; min-width: 150px; }
.verdict { display: flex; align-items: baseline; gap: 8px; min-height: 2.6em; }
.digit { font-size: 2.4em; font-weight: 700; line-height: 1; min-width: 0.7em; color: var(--accent); }
.sure { color: #5a6477; font-size: 0.9em; }
ol.bars { list-style: none; margin: 0; padding: 0; display: grid; gap: 2px; }
ol.bars li { display: grid; grid-template-columns: 1em 1fr 3em; gap: 6px; align-items: center; font-size: 0.85em; }
.track { height: 0.7em; background: #edf1f7; border-radius: 3px; overflow: hidden; }
.fill { display: block; height: 100%; width: 0; background: #9fb3d1; }
li.best .fill { background: var(--accent); }
li.best { font-weight: 600; }
.value { text-align: right; font-variant-numeric: tabular-nums; color: #5a6477; }
.pre { display: flex; align-items: center; gap: 8px; font-size: 0.85em; color: #5a6477; }
.pre canvas { width: 56px; height: 56px; border: 1px solid var(--line); border-radius: 4px; }
.layer-maps { flex-basis: 100%; }
`;

export const MAPS_CSS = `${BASE}
:host { display: block; }
.head { font-size: 0.85em; color: #5a6477; margin-bottom: 4px; }
`;

export const TRAINER_CSS = `${BASE}
.tools { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
.chart { display: block; width: calc(var(--size) * 1.6); height: calc(var(--size) * 0.45); margin-top: 6px; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
.numbers { font-variant-numeric: tabular-nums; }
.filters { margin-top: 6px; }
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
