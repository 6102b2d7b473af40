/**
 * The shared store: blobs in one PostgreSQL table, for workers on several machines. Any worker may write a step's
 * segment or an offloaded payload and any other may read it, which a local directory cannot offer.
 */
import { Pool, type PoolClient } from 'pg';
import { assertBlobKey, BlobNotFoundError, blobKey, verifyBlob, type BlobStore } from './blob-store';
import { maskUrlPassword } from './url';

export const BLOBS_TABLE = 'durable_agent_blobs';

/**
 * Blobs at or above this size are looked up before they are sent, so re-putting a large blob that is already
 * stored does not ship its bytes again; smaller ones go straight to `INSERT ... ON CONFLICT DO NOTHING` (one round
 * trip either way).
 */
const CHECK_BEFORE_SEND_BYTES = 64 * 1024;

/** SQL: the stored row's bytes hash to its key (sha256(), PostgreSQL 11 and later). */
const INTACT = `sha256(${BLOBS_TABLE}.data) = decode(${BLOBS_TABLE}.key, 'hex')`;

export interface PostgresBlobStoreOptions {
  /** `postgres://user:password@host:port/database`; libpq-style query parameters (`?sslmode=...`) are honoured. */
  connectionString: string;
  /** Pool size. Each query is one short statement, so a few connections serve a worker; default 4. */
  maxConnections?: number;
  /**
   * Called when an idle pooled connection fails (the server restarted, the network dropped). The pool drops the
   * connection and the next query opens a new one; without a listener such an error would crash the process.
   */
  onIdleError?: (err: Error) => void;
}

/**
 * A PostgreSQL blob store. The table is created if missing:
 *
 * ```sql
 * create table if not exists durable_agent_blobs (
 *   key text primary key, data bytea not null, size int, created_at timestamptz default now())
 * ```
 *
 * `put` is `insert ... on conflict (key) do update ... where` the stored bytes do not hash to the key: concurrent
 * puts of the same blob from any number of workers leave one row and all succeed, and a put of the right bytes
 * repairs a corrupt row. `get` checks every row against its key (`BlobCorruptError`).
 *
 * @example
 * const store = await PostgresBlobStore.open({ connectionString: 'postgres://agent:secret@db:5432/agent' });
 * const key = await store.put(bytes);
 * await store.close();
 */
export class PostgresBlobStore implements BlobStore {
  readonly kind = 'postgres' as const;
  readonly description: string;

  private constructor(
    private readonly pool: Pool,
    connectionString: string,
  ) {
    this.description = `postgres ${maskUrlPassword(connectionString)}`;
  }

  /** Connects, creates the table if it is missing, and returns the store. */
  static async open(options: PostgresBlobStoreOptions): Promise<PostgresBlobStore> {
    const pool = new Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 4,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: 10_000,
    });
    pool.on('error', (err) => options.onIdleError?.(err));
    const store = new PostgresBlobStore(pool, options.connectionString);
    try {
      await store.withClient(createTable);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw new Error(`cannot open the blob store (${store.description}): ${(err as Error).message}`, { cause: err });
    }
    return store;
  }

  async put(data: Uint8Array): Promise<string> {
    const key = blobKey(data);
    if (data.byteLength >= CHECK_BEFORE_SEND_BYTES) {
      // Sound already (its bytes hash to its key): the bytes need not travel. A corrupt row falls through and is repaired.
      const found = await this.pool.query(`select 1 from ${BLOBS_TABLE} where key = $1 and ${INTACT}`, [key]);
      if (found.rowCount) return key;
    }
    // A row under this key whose bytes do not hash to it (altered in place, same size or not) is overwritten with
    // the right ones; a sound row is left alone, so concurrent puts of the same blob still write nothing twice.
    await this.pool.query(
      `insert into ${BLOBS_TABLE} (key, data, size) values ($1, $2, $3)
       on conflict (key) do update set data = excluded.data, size = excluded.size where not ${INTACT}`,
      [key, Buffer.from(data.buffer, data.byteOffset, data.byteLength), data.byteLength],
    );
    return key;
  }

  async get(key: string): Promise<Uint8Array> {
    assertBlobKey(key, this.description);
    // The bytea arrives as hex text (pg's per-query binary flag does not reach its row parser, which would decode
    // the raw bytes as UTF-8); pg-types turns the hex into a Buffer.
    const result = await this.pool.query<{ data: Buffer }>(`select data from ${BLOBS_TABLE} where key = $1`, [key]);
    const row = result.rows[0];
    if (!row) throw new BlobNotFoundError(key, this.description);
    return verifyBlob(key, row.data, this.description);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async withClient<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      return await fn(client);
    } finally {
      client.release();
    }
  }
}

/**
 * `create table if not exists` is not safe to race: two sessions creating the same table at once can both pass the
 * existence check and one fails on a catalog unique index. Several workers starting together do exactly that, so
 * the creation runs under a transaction-scoped advisory lock.
 */
async function createTable(client: PoolClient): Promise<void> {
  await client.query('begin');
  try {
    await client.query(`select pg_advisory_xact_lock(hashtext($1))`, [BLOBS_TABLE]);
    await client.query(
      `create table if not exists ${BLOBS_TABLE} (
         key text primary key,
         data bytea not null,
         size int,
         created_at timestamptz default now()
       )`,
    );
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  }
}
