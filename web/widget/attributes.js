// The attributes more than one element reads, parsed one way: a value an element cannot use falls back
// to its default instead of breaking the element.
import { LAYERS } from './layer-maps.js';

// layer="C3": whose feature maps to show (any case); C1 when missing or unknown.
export function layerAttr(element) {
  const name = String(element.getAttribute('layer') || 'C1').toUpperCase();
  return LAYERS.includes(name) ? name : 'C1';
}

// size="200": a side in CSS pixels, 40..2000.
export function sizeAttr(element, fallback) {
  const n = Number.parseFloat(element.getAttribute('size'));
  return Number.isFinite(n) && n >= 40 && n <= 2000 ? n : fallback;
}

// size="200" as the element's --lenet-size, which its styles scale by (the pad's side: 200 px).
export function applySize(element) {
  element.style.setProperty('--lenet-size', `${sizeAttr(element, 200)}px`);
}
