// The model saved in this browser (IndexedDB). A save writes the new model under a fresh key and moves
// the 'current' pointer to it in the same transaction, deleting the old record there too; IndexedDB
// commits a transaction whole or not at all, so a reload or crash mid-save leaves the previous model
// intact and reachable.
//
// Tests interrupt a save at the point that matters, after the new record is written and before the pointer
// moves: if the page defines globalThis.lenetSaveCheckpoint, the save calls it there with the transaction
// and waits for what it returns (tests/browser/models.test.mjs holds the transaction open and reloads the
// page, or aborts it). Without it the save runs straight through; the code is the same either way.
//
//   database 'lenet5' v1
//     store 'models':  key = id (string)  value = { id, bytes: Uint8Array, label, savedAt }
//     store 'meta':    key 'current'      value = id of the saved model

import { finished, openDatabase, request } from './idb.js';

const DB = 'lenet5';
const VERSION = 1;

function open() {
  return openDatabase(DB, VERSION, (db) => {
    if (!db.objectStoreNames.contains('models')) db.createObjectStore('models', { keyPath: 'id' });
    if (!db.objectStoreNames.contains('meta')) db.createObjectStore('meta');
  });
}

// bytes: Uint8Array; label: what the model is. Resolves to the saved record's metadata.
export async function saveModel(bytes, label) {
  const db = await open();
  try {
    const tx = db.transaction(['models', 'meta'], 'readwrite');
    const models = tx.objectStore('models');
    const meta = tx.objectStore('meta');
    const id = `m-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const record = { id, bytes: bytes.slice(), label, savedAt: new Date().toISOString() };
    const previous = await request(meta.get('current'));
    await request(models.put(record));
    const checkpoint = globalThis.lenetSaveCheckpoint;
    if (checkpoint) await checkpoint(tx);
    meta.put(id, 'current');
    if (previous && previous !== id) models.delete(previous);
    await finished(tx);
    return { id, label, savedAt: record.savedAt, size: bytes.length };
  } catch (e) {
    throw new Error(`could not save the model in this browser: ${e?.message || e}`);
  } finally {
    db.close();
  }
}

// The saved model ({ id, bytes, label, savedAt }) or null.
export async function loadSavedModel() {
  const db = await open();
  try {
    const tx = db.transaction(['models', 'meta'], 'readonly');
    const id = await request(tx.objectStore('meta').get('current'));
    if (!id) return null;
    const record = await request(tx.objectStore('models').get(id));
    return record || null;
  } finally {
    db.close();
  }
}
