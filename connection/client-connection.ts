/**
 * Client connections to Temporal (grpc-js), opened from our settings: TLS, API key and gRPC headers included
 * (connection/connect-options.ts), and failing with one line that says why (connection/connect-failure.ts).
 */
import { Connection } from '@temporalio/client';
import { CONNECTION_DEFAULTS } from '../common/defaults';
import { classifyConnectFailure, TemporalConnectionError, type ConnectFailure } from './connect-failure';
import { clientConnectionOptions, type ConnectTarget } from './connect-options';

/**
 * Whether Temporal answers for the namespace, asked once: undefined when it does, else why not. Never throws. One
 * DescribeNamespace with no retries, so the answer is the real reason (a TLS alert, UNAUTHENTICATED, NOT_FOUND)
 * within `timeoutMs`, not the SDK's "Failed to connect before the deadline" after its retries.
 *
 * @example
 * const failure = await probeTemporal(config.connection, 3_000);
 * if (failure) throw new Error(failure.message); // 'TLS handshake with ... failed: ...'
 */
export async function probeTemporal(target: ConnectTarget, timeoutMs = 3_000): Promise<ConnectFailure | undefined> {
  let connection: Connection | undefined;
  try {
    // Lazy: Connection.connect throws without closing its channel, and a leaked channel keeps the process alive.
    connection = Connection.lazy({ ...clientConnectionOptions(target, timeoutMs), interceptors: [] });
    const opened = connection;
    await opened.withDeadline(Date.now() + timeoutMs, () => opened.workflowService.describeNamespace({ namespace: target.namespace }));
    return undefined;
  } catch (err) {
    return classifyConnectFailure(err, target);
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

/**
 * A connected client `Connection` for `target`; a failure is a `TemporalConnectionError` saying why in one line.
 *
 * @example
 * const connection = await openClientConnection(config.connection);
 * const client = new Client({ connection, namespace: config.connection.namespace });
 */
export async function openClientConnection(target: ConnectTarget, timeoutMs: number = CONNECTION_DEFAULTS.connectTimeoutMs): Promise<Connection> {
  let connection: Connection | undefined;
  try {
    connection = Connection.lazy(clientConnectionOptions(target, timeoutMs));
    await connection.ensureConnected();
    return connection;
  } catch (err) {
    await connection?.close().catch(() => undefined);
    // Waiting for the channel says only "Failed to connect before the deadline"; one plain call says why.
    const failure = classifyConnectFailure(err, target);
    const probed = failure.kind === 'unreachable' || failure.kind === 'other' ? await probeTemporal(target, Math.min(timeoutMs, 2_000)) : undefined;
    throw new TemporalConnectionError(probed && probed.kind !== 'namespace-not-found' ? probed : failure);
  }
}
