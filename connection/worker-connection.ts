/**
 * The worker's connection to Temporal (the SDK's Rust core), opened from the same settings as a client's. Its own
 * module: importing @temporalio/worker loads the native bridge, which client-only processes never need.
 */
import { NativeConnection } from '@temporalio/worker';
import { classifyConnectFailure, TemporalConnectionError } from './connect-failure';
import { workerConnectionOptions, type ConnectTarget } from './connect-options';

/**
 * A connected `NativeConnection` for `target`; a failure is a `TemporalConnectionError` saying why in one line
 * ("TLS handshake with ... failed: the server's certificate is not signed by a CA this process trusts ...").
 *
 * @example
 * const connection = await openWorkerConnection(config.connection);
 * const worker = await createAgentWorker({ agents, config, connection });
 */
export async function openWorkerConnection(target: ConnectTarget): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect(workerConnectionOptions(target));
  } catch (err) {
    throw new TemporalConnectionError(classifyConnectFailure(err, target));
  }
}
