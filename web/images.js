// Small pixel helpers shared by the page, the worker and the lesson elements: painting float maps into canvases and padding
// images to the network's input size. No DOM lookups here; callers pass the canvases.

// Paints an h x w float map (data[offset ...]) into canvas, scaled so lo..hi spans the palette.
// palette 'ink': 0 = paper (light), 1 = ink (dark), as the visitor drew it.
// palette 'heat': low = dark, high = bright (feature maps: bright = strong response).
// palette 'signed': negative = blue, 0 = near white, positive = orange (filters).
export function paintMap(canvas, data, w, h, { offset = 0, lo, hi, palette = 'heat' } = {}) {
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const n = w * h;
  if (lo === undefined || hi === undefined) {
    lo = Infinity;
    hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = data[offset + i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(w, h);
  const px = img.data;
  const range = hi - lo > 1e-12 ? hi - lo : 1;
  const absMax = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  for (let i = 0; i < n; i++) {
    const v = data[offset + i];
    let r, g, b;
    if (palette === 'signed') {
      const t = Math.max(-1, Math.min(1, v / absMax));
      if (t >= 0) [r, g, b] = [255 - 20 * t, 255 - 140 * t, 255 - 235 * t];
      else [r, g, b] = [255 + 225 * t, 255 + 135 * t, 255 + 20 * t];
    } else {
      const t = Math.max(0, Math.min(1, (v - lo) / range));
      if (palette === 'ink') {
        const c = 255 - 235 * t;
        [r, g, b] = [c, c, c + 10 * t];
      } else {
        // dark navy -> teal -> pale yellow: readable on both light and dark cards
        [r, g, b] = [18 + 232 * t * t, 24 + 210 * t, 48 + 120 * t - 40 * t * t];
      }
    }
    const o = 4 * i;
    px[o] = r;
    px[o + 1] = g;
    px[o + 2] = b;
    px[o + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

// Paints a stack of h x w maps, map i from data[i * stride ...] into canvases[i], all on the stack's one
// scale: a map that barely responds looks dark next to one that fires (a filter: pale next to a strong one).
export function paintMaps(canvases, data, w, h, { palette = 'heat', stride = w * h } = {}) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  canvases.forEach((c, i) => paintMap(c, data, w, h, { offset: i * stride, lo, hi, palette }));
}

// Copies image `from` of a set of fromSide x fromSide images into slot `to` of a set of toSide x toSide
// ones, centred; the border keeps what the slot held (zeros in a fresh array).
export function placeImage(src, from, fromSide, dst, to, toSide) {
  const border = (toSide - fromSide) >> 1;
  for (let y = 0; y < fromSide; y++) {
    const row = from * fromSide * fromSide + y * fromSide;
    dst.set(src.subarray(row, row + fromSide), to * toSide * toSide + (y + border) * toSide + border);
  }
}

// N images of from x from pixels -> N images of to x to, each centred with a (to-from)/2 border of zeros.
// Used when a preset wants a 32x32 input and the data is the 28x28 MNIST field.
export function padImages(images, count, from, to) {
  if (from === to) return images;
  const out = new images.constructor(count * to * to);
  for (let n = 0; n < count; n++) placeImage(images, n, from, out, n, to);
  return out;
}

// The 28x28 field in the middle of a side x side image (the inverse of padImages for one image).
export function centreField(image, side, field = 28) {
  if (side === field) return image;
  const border = (side - field) >> 1;
  const out = new Float32Array(field * field);
  for (let y = 0; y < field; y++) {
    const src = (y + border) * side + border;
    out.set(image.subarray(src, src + field), y * field);
  }
  return out;
}
