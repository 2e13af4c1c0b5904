// The network the page classifies with. Swapping it disposes the old one; a bad file never replaces it,
// because the new network is built (and so validated) before the swap.
//
// info: { source: 'shipped' | 'saved' | 'custom', label, preset }

export class CurrentModel extends EventTarget {
  constructor(lenet) {
    super();
    this.lenet = lenet;
    this.net = null;
    this.info = null;
  }

  // Throws (and keeps the current network) if the bytes are not a valid model.
  loadBytes(bytes, info) {
    const net = this.lenet.load(bytes);
    this.#swap(net, info);
    return net;
  }

  #swap(net, info) {
    const old = this.net;
    this.net = net;
    const config = net.config();
    this.info = { ...info, preset: config.preset, config };
    old?.dispose();
    this.dispatchEvent(new CustomEvent('change', { detail: this.info }));
  }

  bytes() {
    if (!this.net) throw new Error('there is no model loaded yet');
    return this.net.save();
  }
}

// Fetches a shipped model file; the error says which file and why.
export async function fetchShipped(preset) {
  const url = `models/${preset}.bin`;
  let res;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new Error(`the shipped model '${preset}' could not be fetched (${url}: ${e.message})`);
  }
  if (!res.ok) {
    throw new Error(`the shipped model '${preset}' is not available (${url}: HTTP ${res.status}); ` +
      'train one below or load a .bin file');
  }
  return new Uint8Array(await res.arrayBuffer());
}
