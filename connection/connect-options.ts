/**
 * The SDK's connection options for our settings: the same address, TLS, API key and gRPC headers for the client's
 * `Connection` (grpc-js) and the worker's `NativeConnection` (the Rust core), so a client and a worker of one process
 * reach Temporal the same way.
 */
import type { ConnectionOptions } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import type { ConnectionSettings } from '../common/config';
import { CONNECTION_DEFAULTS } from '../common/defaults';

export type ConnectTarget = Pick<ConnectionSettings, 'address' | 'namespace' | 'credentials'>;

/**
 * Options for `Connection.connect` / `Connection.lazy`.
 *
 * @example
 * const connection = await Connection.connect(clientConnectionOptions(config.connection));
 */
export function clientConnectionOptions(target: ConnectTarget, connectTimeoutMs: number = CONNECTION_DEFAULTS.connectTimeoutMs): ConnectionOptions {
  const { credentials } = target;
  return {
    address: target.address,
    connectTimeout: connectTimeoutMs,
    // false stays false: given an API key and no TLS setting, the SDK would turn TLS on by itself.
    ...(credentials?.tls !== undefined ? { tls: credentials.tls } : {}),
    ...(credentials?.apiKey !== undefined ? { apiKey: credentials.apiKey } : {}),
    ...(credentials?.grpcMeta ? { metadata: { ...credentials.grpcMeta } } : {}),
  };
}

/**
 * Options for `NativeConnection.connect` (workers).
 *
 * @example
 * const connection = await NativeConnection.connect(workerConnectionOptions(config.connection));
 */
export function workerConnectionOptions(target: ConnectTarget): NativeConnectionOptions {
  const { credentials } = target;
  return {
    address: target.address,
    // false stays false: given an API key and no TLS setting, the SDK would turn TLS on by itself.
    ...(credentials?.tls !== undefined ? { tls: credentials.tls } : {}),
    ...(credentials?.apiKey !== undefined ? { apiKey: credentials.apiKey } : {}),
    ...(credentials?.grpcMeta ? { metadata: { ...credentials.grpcMeta } } : {}),
  };
}
