/**
 * A store opened on first use. A Temporal plugin is configured synchronously (`new DurableAgentPlugin(...)` goes into
 * `Worker.create({ plugins })` and `new Client({ plugins })`), and opening a PostgreSQL pool is not; so the plugin
 * holds this, and opens it at the worker's start (a store that cannot open fails the start) or at a client's
 * first offloaded payload.
 */
import type { BlobStore } from './blob-store';
import { describeStoreConfig, openBlobStore, type StoreConfig } from './config';

export class DeferredBlobStore implements BlobStore {
  readonly kind: BlobStore['kind'];
  readonly description: string;
  private opening: Promise<BlobStore> | undefined;

  /** `wrap` is applied once opened (payload encryption: `withPayloadEncryption`). */
  constructor(
    private readonly config: StoreConfig,
    private readonly wrap: (store: BlobStore) => BlobStore = (store) => store,
  ) {
    this.kind = config.kind;
    this.description = describeStoreConfig(config);
  }

  /** Opens the store now (once; later calls share the first). */
  open(): Promise<BlobStore> {
    if (this.opening) return this.opening;
    const opening = openBlobStore(this.config).then(this.wrap);
    this.opening = opening;
    // A failed open is not remembered: the next use tries again (PostgreSQL may have been restarting).
    opening.catch(() => {
      if (this.opening === opening) this.opening = undefined;
    });
    return opening;
  }

  async put(data: Uint8Array): Promise<string> {
    return (await this.open()).put(data);
  }

  async get(key: string): Promise<Uint8Array> {
    return (await this.open()).get(key);
  }

  /** Closes the store if it was opened; a store never used has nothing to close. */
  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    if (opening) await (await opening.catch(() => undefined))?.close();
  }
}
