/**
 * The embedded default: blobs as files in a directory, `<dir>/<aa>/<bb>/<key>` (two levels of fan-out, so no
 * directory holds more than a few thousand entries even with millions of blobs).
 */
import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { assertBlobKey, BlobNotFoundError, blobKey, verifyBlob, type BlobStore } from './blob-store';

/**
 * A directory of blobs, for one machine: any number of processes on it may share the directory.
 *
 * Writes are atomic: the bytes go to a uniquely named temporary file in the blob's own directory, which is then
 * renamed onto `<key>`. rename(2) within one file system replaces the name atomically, so a reader sees either no
 * file or the whole file, never a partial one, and two processes writing the same key at once both rename the same
 * bytes into place (the last rename wins, with identical content).
 *
 * No fsync: a blob is written on the path of every model step and offloaded payload, and an fsync per blob costs
 * milliseconds on an ordinary disk. The rename is atomic against a process crash (a killed worker, which is the
 * failure Temporal retries around); only an operating-system crash or power loss can lose or truncate a blob that
 * was renamed into place in the last seconds. Two things bound that: `get` checks every blob against its key, so a
 * truncated or altered file is reported as `BlobCorruptError` rather than returned, and `put` checks an existing
 * file the same way (size, then hash) and rewrites one that does not match, so putting the bytes again (retrying
 * the activity that wrote them) repairs it, whether or not the corruption changed the size. Where blobs must survive power loss, use the
 * PostgreSQL store, whose commits are durable.
 *
 * @example
 * const store = await LocalBlobStore.open('/var/lib/durable-agent/blobs');
 * const key = await store.put(bytes);
 */
export class LocalBlobStore implements BlobStore {
  readonly kind = 'local' as const;
  readonly description: string;
  private constructor(readonly dir: string) {
    this.description = `local directory ${dir}`;
  }

  /** Opens (creating if needed) the store in `dir`. */
  static async open(dir: string): Promise<LocalBlobStore> {
    const resolved = path.resolve(dir);
    await fsp.mkdir(resolved, { recursive: true });
    return new LocalBlobStore(resolved);
  }

  /** The file a key's blob lives in. The key is validated first, so it cannot name anything outside `dir`. */
  pathOf(key: string): string {
    assertBlobKey(key, this.description);
    return path.join(this.dir, key.slice(0, 2), key.slice(2, 4), key);
  }

  async put(data: Uint8Array): Promise<string> {
    const key = blobKey(data);
    const file = this.pathOf(key);
    // Already there and sound: nothing to write. A file whose bytes do not hash to its key (torn after a power loss,
    // or changed in place, whatever its size) is rewritten: a put of the right bytes repairs it.
    if (await this.holdsIntact(file, key, data.byteLength)) return key;
    const dir = path.dirname(file);
    // Unique per process and call: concurrent writers never share a temporary file.
    const tmp = path.join(dir, `.${key}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      try {
        await fsp.writeFile(tmp, data, { flag: 'wx' });
      } catch (err) {
        // The fan-out directory does not exist yet: create it (mkdir -p is safe to race) and write again.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        await fsp.mkdir(dir, { recursive: true });
        await fsp.writeFile(tmp, data, { flag: 'wx' });
      }
      await fsp.rename(tmp, file);
    } catch (err) {
      await fsp.rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
    return key;
  }

  /** True when `file` holds exactly the bytes `key` names (its size checked first: a torn file is caught cheaply). */
  private async holdsIntact(file: string, key: string, size: number): Promise<boolean> {
    const existing = await fsp.stat(file).catch(() => undefined);
    if (!existing || existing.size !== size) return false;
    const bytes = await fsp.readFile(file).catch(() => undefined);
    return bytes !== undefined && blobKey(bytes) === key;
  }

  async get(key: string): Promise<Uint8Array> {
    const file = this.pathOf(key);
    let data: Buffer;
    try {
      data = await fsp.readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFoundError(key, this.description);
      throw err;
    }
    return verifyBlob(key, data, this.description);
  }

  async close(): Promise<void> {
    // Nothing is held open between calls.
  }
}
