/**
 * Which blob store a worker or client uses, from the environment:
 *
 * - `DURABLE_AGENT_STORE`: `local:<dir>` (a directory on this machine), or a PostgreSQL URL `postgres://...` /
 *   `postgresql://...` (a store every worker on every machine shares). Unset: the local default below.
 * - `DURABLE_AGENT_DATA_DIR`: the data directory; the default store is `<it>/blobs`. Unset: the user's state
 *   directory, `${XDG_STATE_HOME:-~/.local/state}/durable-agent/blobs` (temporal-config/data-dir.ts says why).
 */
import * as path from 'node:path';
import { defaultDataDir } from '../temporal-config/data-dir';
import type { BlobStore } from './blob-store';
import { LocalBlobStore } from './local-store';
import { PostgresBlobStore } from './postgres-store';
import { maskUrlPassword } from './url';
import { ConfigError, DATA_DIR_ENV, STORE_ENV, storeSetting, type StoreSetting } from '../common/config';

export { DATA_DIR_ENV, STORE_ENV };

type Env = Readonly<Record<string, string | undefined>>;

export type StoreConfig = { kind: 'local'; dir: string } | { kind: 'postgres'; connectionString: string };

/** A `DURABLE_AGENT_STORE` value we cannot use; the message is one line and says what would work. */
export class StoreConfigError extends Error {
  override readonly name = 'StoreConfigError';
}

/**
 * The store a checked setting (`configFromEnv().store`, common/config.ts) names, its directory resolved: unset, the
 * data directory's `blobs` (the setting's DURABLE_AGENT_DATA_DIR, else the user's state directory, found through
 * `env`'s XDG_STATE_HOME and the user's home: temporal-config/data-dir.ts).
 *
 * @example
 * const store = await openBlobStore(storeConfigFrom(configFromEnv().store));
 */
export function storeConfigFrom(setting: StoreSetting, env: Env = process.env): StoreConfig {
  if (setting.kind === 'postgres') return { kind: 'postgres', connectionString: setting.connectionString };
  if (setting.kind === 'local') return { kind: 'local', dir: path.resolve(setting.dir) };
  // The setting's data directory decides, not env's: the setting is what the process edge read.
  return { kind: 'local', dir: path.join(defaultDataDir({ ...env, [DATA_DIR_ENV]: setting.dataDir }), 'blobs') };
}

/**
 * The store configuration in `env`.
 *
 * @example
 * storeConfigFromEnv({ DURABLE_AGENT_STORE: 'local:/srv/blobs' }); // { kind: 'local', dir: '/srv/blobs' }
 * storeConfigFromEnv({ DURABLE_AGENT_STORE: 'postgres://agent@db/agent' }); // { kind: 'postgres', ... }
 */
export function storeConfigFromEnv(env: Env = process.env): StoreConfig {
  try {
    return storeConfigFrom(storeSetting(env), env);
  } catch (err) {
    if (err instanceof ConfigError) throw new StoreConfigError(err.message);
    throw err;
  }
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
