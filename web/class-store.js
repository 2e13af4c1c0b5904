// The visitor's class set and the network trained on it, kept in this browser (IndexedDB), beside but
// apart from the saved digit model (model-store.js, database 'lenet5'). One record, written in one
// put: a reload or crash mid-save leaves the previous one whole.
//
//   database 'lenet5-classes' v1
//     store 'sets':  key 'current'  value = { classSet: Uint8Array (a class-set file, class-set.js),
//                                             model: Uint8Array (a model file) or null, savedAt }

import { finished, openDatabase, request } from './idb.js';

const DB = 'lenet5-classes';
const VERSION = 1;

function open() {
  return openDatabase(DB, VERSION, (db) => {
    if (!db.objectStoreNames.contains('sets')) db.createObjectStore('sets');
  });
}

/** Saves the class-set file and the model trained on it (or null); resolves to { savedAt, size }. */
export async function saveClassSet(classSet, model) {
  const db = await open();
  try {
    const tx = db.transaction('sets', 'readwrite');
    const record = { classSet: classSet.slice(), model: model ? model.slice() : null, savedAt: new Date().toISOString() };
    tx.objectStore('sets').put(record, 'current');
    await finished(tx);
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
