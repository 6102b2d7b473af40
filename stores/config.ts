/**
 * Which blob store a worker or client uses, from the environment:
 *
 * - `DURABLE_AGENT_STORE`: `local:<dir>` (a directory on this machine), or a PostgreSQL URL `postgres://...` /
 *   `postgresql://...` (a store every worker on every machine shares). Unset: the local default below.
 * - `DURABLE_AGENT_DATA_DIR`: the project's data directory; the default store is `<it>/blobs`. Unset:
 *   `<project root>/.durable-agent/blobs`.
 */
import * as path from 'node:path';
import { projectRoot } from '../temporal-config/settings';
import type { BlobStore } from './blob-store';
import { LocalBlobStore } from './local-store';
import { PostgresBlobStore } from './postgres-store';
import { maskUrlPassword } from './url';

export const STORE_ENV = 'DURABLE_AGENT_STORE';
export const DATA_DIR_ENV = 'DURABLE_AGENT_DATA_DIR';

export type StoreConfig = { kind: 'local'; dir: string } | { kind: 'postgres'; connectionString: string };

/** A `DURABLE_AGENT_STORE` value we cannot use; the message is one line and says what would work. */
export class StoreConfigError extends Error {
  override readonly name = 'StoreConfigError';
}

/**
 * The store configuration in `env`.
 *
 * @example
 * storeConfigFromEnv({ DURABLE_AGENT_STORE: 'local:/srv/blobs' }); // { kind: 'local', dir: '/srv/blobs' }
 * storeConfigFromEnv({ DURABLE_AGENT_STORE: 'postgres://agent@db/agent' }); // { kind: 'postgres', ... }
 */
export function storeConfigFromEnv(env: NodeJS.ProcessEnv = process.env): StoreConfig {
  const value = env[STORE_ENV]?.trim();
  if (!value) {
    const dataDir = env[DATA_DIR_ENV] ? path.resolve(env[DATA_DIR_ENV]) : path.join(projectRoot(), '.durable-agent');
    return { kind: 'local', dir: path.join(dataDir, 'blobs') };
  }
  if (value.startsWith('local:')) {
    const dir = value.slice('local:'.length);
    if (!dir) throw new StoreConfigError(`${STORE_ENV}=local: needs a directory, e.g. local:/var/lib/durable-agent/blobs`);
    return { kind: 'local', dir: path.resolve(dir) };
  }
  if (/^postgres(ql)?:\/\//i.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new StoreConfigError(`${STORE_ENV} is not a valid PostgreSQL URL: ${maskUrlPassword(value)}`);
    }
    if (!url.hostname && !url.searchParams.get('host')) {
      throw new StoreConfigError(`${STORE_ENV} names no host: ${maskUrlPassword(value)} (postgres://user:password@host:5432/database)`);
    }
    return { kind: 'postgres', connectionString: value };
  }
  throw new StoreConfigError(
    `${STORE_ENV} must be local:<dir> or a postgres:// or postgresql:// URL, got ${JSON.stringify(maskUrlPassword(value))}`,
  );
}

/** The configuration as one line for logs: the directory, or the URL with its password masked. */
export function describeStoreConfig(config: StoreConfig): string {
  return config.kind === 'local' ? `local directory ${config.dir}` : `postgres ${maskUrlPassword(config.connectionString)}`;
}

/**
 * Opens the configured store (creating the directory or the table if missing).
 *
 * @example
 * const store = await openBlobStore(storeConfigFromEnv());
 */
export async function openBlobStore(config: StoreConfig, options: { maxConnections?: number } = {}): Promise<BlobStore> {
  if (config.kind === 'local') return LocalBlobStore.open(config.dir);
  return PostgresBlobStore.open({ connectionString: config.connectionString, maxConnections: options.maxConnections });
}
