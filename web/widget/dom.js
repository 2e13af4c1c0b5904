// The one way the elements build their Shadow DOM: el('button', { type: 'button', class: 'clear', text:
// 'Clear' }, ...children). A name the node has as a property (a canvas's width, a button's type) is set
// as that property; anything else (part, role, aria-*) as an attribute.
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k in node && !k.includes('-')) node[k] = v;
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}

// The line where an element says what it is doing or what went wrong (.status in styles.js).
export function setStatus(line, text, error = false) {
  line.textContent = text;
  line.classList.toggle('error', error);
}
