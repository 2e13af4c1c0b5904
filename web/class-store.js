// The visitor's class set and the network trained on it, kept in this browser (IndexedDB), beside but
// apart from the saved digit model (model-store.js, database 'lenet5'). One record, written in one
// put: a reload or crash mid-save leaves the previous one whole.
//
//   database 'lenet5-classes' v1
//     store 'sets':  key 'current'  value = { classSet: Uint8Array (a class-set file, class-set.js),
//                                             model: Uint8Array (a model file) or null, savedAt }

const DB = 'lenet5-classes';
const VERSION = 1;

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function open() {
  if (!('indexedDB' in globalThis)) return Promise.reject(new Error('this browser has no IndexedDB'));
  const req = indexedDB.open(DB, VERSION);
  req.onupgradeneeded = () => {
    if (!req.result.objectStoreNames.contains('sets')) req.result.createObjectStore('sets');
  };
  return request(req);
}

/** Saves the class-set file and the model trained on it (or null); resolves to { savedAt, size }. */
export async function saveClassSet(classSet, model) {
  const db = await open();
  try {
    const tx = db.transaction('sets', 'readwrite');
    const record = { classSet: classSet.slice(), model: model ? model.slice() : null, savedAt: new Date().toISOString() };
    tx.objectStore('sets').put(record, 'current');
    await new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error('the save was interrupted'));
    });
    return { savedAt: record.savedAt, size: classSet.length + (model?.length ?? 0) };
  } catch (e) {
    throw new Error(`could not save your classes in this browser: ${e?.message || e}`);
  } finally {
    db.close();
  }
}

/** The saved { classSet, model, savedAt }, or null. */
export async function loadClassSet() {
  const db = await open();
  try {
    return (await request(db.transaction('sets', 'readonly').objectStore('sets').get('current'))) ?? null;
  } finally {
    db.close();
  }
}
