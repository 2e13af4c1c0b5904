// What the entry point chose for every element on the page: the runtime (runtime.js: one WebAssembly
// module and one network per model source, however many elements there are) and the folder the training
// data comes from. Set by defineElements before the first element is defined; like the custom element
// names themselves, the first choice on a page stays.
let chosen = null;

export function provide(runtime, { dataBase }) {
  chosen ??= { runtime, dataBase };
}

export function runtime() {
  return chosen.runtime;
}

export function dataBase() {
  return chosen.dataBase;
}
