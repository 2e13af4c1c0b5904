// The few IndexedDB steps both stores take (model-store.js, class-store.js), as promises.

// An IDBRequest's result, or its error.
export function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

// Opens database `name` at `version`; upgrade(db) creates what a new or older database lacks.
export function openDatabase(name, version, upgrade) {
  if (!('indexedDB' in globalThis)) return Promise.reject(new Error('this browser has no IndexedDB'));
  const req = indexedDB.open(name, version);
  req.onupgradeneeded = () => upgrade(req.result);
  return request(req);
}

// Resolves when the transaction commits; rejects when it fails or is aborted (nothing of it is kept).
export function finished(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error('the save was interrupted'));
  });
}
