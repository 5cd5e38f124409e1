// IndexedDB access for the page and the service worker: one database, promise helpers, no DOM.

export const DB_NAME = 'tend';
// Upgrades only ever add stores or indexes: an upgrade must never delete unsynced entries.
const DB_VERSION = 1;

function upgrade(db) {
  if (!db.objectStoreNames.contains('records')) {
    const records = db.createObjectStore('records', { keyPath: 'id' });
    records.createIndex('by_t', 't');
    records.createIndex('by_kind', 'kind');
  }
  if (!db.objectStoreNames.contains('outbox')) {
    const outbox = db.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true });
    outbox.createIndex('by_record', 'record_id');
  }
  if (!db.objectStoreNames.contains('meta')) db.createObjectStore('meta');
  if (!db.objectStoreNames.contains('dead_letter')) {
    db.createObjectStore('dead_letter', { keyPath: 'change_id' });
  }
}

const opened = new Map();

/** Open (once per name per context) the journal database. */
export function openDb(name = DB_NAME) {
  if (!opened.has(name)) {
    const p = new Promise((resolve, reject) => {
      const rq = indexedDB.open(name, DB_VERSION);
      rq.onupgradeneeded = () => upgrade(rq.result);
      rq.onsuccess = () => {
        const db = rq.result;
        // A newer tab wants to upgrade: step aside instead of blocking it forever.
        db.onversionchange = () => {
          db.close();
          opened.delete(name);
        };
        resolve(db);
      };
      rq.onerror = () => {
        opened.delete(name);
        reject(rq.error);
      };
    });
    opened.set(name, p);
  }
  return opened.get(name);
}

/** Promise for one IDBRequest's result. */
export function req(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * Run `body(stores)` in one transaction and resolve with its return value only once the
 * transaction has committed (oncomplete). Read-write transactions ask for strict durability
 * so "complete" means flushed to disk. `body` may await IDB requests but nothing else, or the
 * transaction would auto-commit early.
 */
export function run(db, storeNames, mode, body) {
  return new Promise((resolve, reject) => {
    const names = Array.isArray(storeNames) ? storeNames : [storeNames];
    const t = mode === 'readwrite'
      ? db.transaction(names, mode, { durability: 'strict' })
      : db.transaction(names, mode);
    const stores = Object.fromEntries(names.map((n) => [n, t.objectStore(n)]));
    let value;
    let failed = null;
    t.oncomplete = () => (failed ? reject(failed) : resolve(value));
    t.onerror = () => reject(t.error ?? failed);
    t.onabort = () => reject(t.error ?? failed ?? new Error('transaction aborted'));
    Promise.resolve()
      .then(() => body(stores, t))
      .then((v) => { value = v; })
      .catch((err) => {
        failed = err;
        try { t.abort(); } catch { /* already finished */ }
      });
  });
}

/** Every value in a store or index, optionally within a key range. */
export function getAll(source, range) {
  return req(range === undefined ? source.getAll() : source.getAll(range));
}
