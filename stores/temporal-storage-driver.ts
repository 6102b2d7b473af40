/**
 * Temporal's External Storage over our blob stores: payloads at or above a size threshold are written to the
 * store and replaced in history by a small reference (`temporal.api.sdk.v1.ExternalStorageReference` holding this
 * driver's name and the claim `{ key, size }`); workers and clients read them back transparently.
 *
 * Order with payload codecs (read from the SDK 1.24 source: `@temporalio/worker` `worker.ts` and
 * `@temporalio/client` `workflow-client.ts`): outbound, payloads are converted, then encoded by the payload codecs
 * (our encryption), then offered to External Storage; inbound, references are retrieved first, then the codecs
 * decode. So with an encryption key set, what the driver stores is the *encrypted* payload, and the threshold is
 * compared with the encoded (compressed and encrypted) size.
 */
import {
  ExternalStorage,
  StorageDriverClaim,
  type Payload,
  type StorageDriver,
  type StorageDriverRetrieveContext,
  type StorageDriverStoreContext,
} from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { BlobStore } from './blob-store';

export const BLOB_DRIVER_NAME = 'durable-agent-blobs';
export const BLOB_DRIVER_TYPE = 'durable-agent.blob-store';
export const OFFLOAD_BYTES_ENV = 'DURABLE_AGENT_OFFLOAD_BYTES';

/**
 * 64 KiB: payloads above it leave history. Temporal refuses a payload over 2 MB and warns at 10 MB of history per
 * execution (hard limit 50 MB); at 64 KiB even a workflow task that schedules a dozen tool calls at once stays far
 * under the 4 MB gRPC message limit, and a run's history grows by at most about 64 KiB per payload whatever its tools
 * return. Below it, a payload stays inline: a store round trip for every small argument would cost more than the
 * bytes it saves, and the Temporal UI can show it without the store.
 */
export const DEFAULT_OFFLOAD_BYTES = 64 * 1024;

const PayloadProto = temporal.api.common.v1.Payload;

/**
 * A Temporal `StorageDriver` that keeps whole payloads (metadata and data, as the `temporal.api.common.v1.Payload`
 * protobuf) in a `BlobStore`. Claims are `{ key, size }`: the blob's sha256 and its byte count.
 *
 * @example
 * const driver = new BlobStorageDriver(await openBlobStore(storeConfigFromEnv()));
 * const dataConverter = { externalStorage: new ExternalStorage({ drivers: [driver] }) };
 */
export class BlobStorageDriver implements StorageDriver {
  readonly name = BLOB_DRIVER_NAME;
  readonly type = BLOB_DRIVER_TYPE;

  constructor(readonly blobs: BlobStore) {}

  async store(context: StorageDriverStoreContext, payloads: Payload[]): Promise<StorageDriverClaim[]> {
    return Promise.all(
      payloads.map(async (payload) => {
        context.abortSignal?.throwIfAborted();
        const bytes = PayloadProto.encode(payload).finish();
        const key = await this.blobs.put(bytes);
        return new StorageDriverClaim({ key, size: String(bytes.byteLength) });
      }),
    );
  }

  async retrieve(context: StorageDriverRetrieveContext, claims: StorageDriverClaim[]): Promise<Payload[]> {
    return Promise.all(
      claims.map(async (claim) => {
        context.abortSignal?.throwIfAborted();
        const key = claim.claimData.key;
        if (!key) throw new Error(`external storage claim without a key: ${JSON.stringify(claim.claimData)}`);
        return PayloadProto.decode(await this.blobs.get(key));
      }),
    );
  }
}

/** `DURABLE_AGENT_OFFLOAD_BYTES`, or the default (64 KiB). */
export function offloadThresholdFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[OFFLOAD_BYTES_ENV]?.trim();
  if (!raw) return DEFAULT_OFFLOAD_BYTES;
  const bytes = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(bytes)) {
    throw new Error(`${OFFLOAD_BYTES_ENV} must be a whole number of bytes (e.g. 65536), got ${JSON.stringify(raw)}`);
  }
  return bytes;
}

/**
 * The `ExternalStorage` to set as `dataConverter.externalStorage` on the Worker and on every Client (both sides
 * must have it: a client without it cannot read an offloaded result, and fails with TMPRL1105).
 *
 * @example
 * const store = await openBlobStore(storeConfigFromEnv());
 * const dataConverter = { payloadCodecs: payloadCodecs(), externalStorage: externalStorage(store) };
 * await Worker.create({ ..., dataConverter });
 */
export function externalStorage(store: BlobStore, options: { thresholdBytes?: number } = {}): ExternalStorage {
  return new ExternalStorage({
    drivers: [new BlobStorageDriver(store)],
    payloadSizeThreshold: options.thresholdBytes ?? offloadThresholdFromEnv(),
  });
}
