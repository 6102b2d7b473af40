/**
 * Opening a SQLite file that several processes share (workers on one machine, a test reading from outside).
 *
 * `PRAGMA journal_mode = WAL` needs an exclusive lock, and SQLite answers SQLITE_BUSY at once when another
 * connection holds one, without calling the busy handler (busy_timeout does not help). Two workers opening a new
 * file together, or a reader polling it, made the first tool call fail with "database is locked" about once in a
 * hundred openings. WAL is a property of the file: once one process has set it, the others see it and skip.
 */
import type Database from 'better-sqlite3';

const WAL_RETRY_MS = 20;
const WAL_RETRY_FOR_MS = 5_000;

/** Opens `path` with WAL and a 5 s busy timeout, retrying the WAL switch while another process holds the file. */
export function openSharedDatabase(path: string): Database.Database {
  const db = new (betterSqlite())(path);
  try {
    db.pragma('busy_timeout = 5000');
    const deadline = Date.now() + WAL_RETRY_FOR_MS;
    for (;;) {
      try {
        if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
        return db;
      } catch (err) {
        if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw err;
        // Synchronous like the rest of better-sqlite3: a short sleep without spinning the CPU.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, WAL_RETRY_MS);
      }
    }
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * better-sqlite3, loaded when the example first opens its file: it is the example's dependency, not the library's
 * (a native module that compiles from source where no prebuilt binary downloads), so an installed durable-agent
 * may not have it.
 */
function betterSqlite(): typeof Database {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('better-sqlite3') as typeof Database;
  } catch (err) {
    if ((err as { code?: string }).code !== 'MODULE_NOT_FOUND') throw err;
    throw new Error('the example agent keeps its orders in SQLite, and better-sqlite3 is not installed: npm install better-sqlite3');
  }
}
