/**
 * Connection settings for every command: the environment (`connectionSettings()`), overridden by the global
 * `--address`, `--namespace` and `--task-queue` options; and a client connection that fails fast, in one line,
 * when no server answers.
 */
import type { Command } from 'commander';
import { AgentClient } from '../client/agent-client';
import { connectionSettings, type ConnectionSettings } from '../client/config';
import { isServerReachable } from '../temporal-config/dev-server';
import { unreachable } from './errors';

export interface GlobalOptions {
  address?: string;
  namespace?: string;
  taskQueue?: string;
  agents?: string;
}

/** How long a command waits for Temporal to answer before saying it is not there. */
export const REACH_TIMEOUT_MS = 3_000;

export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

export function settingsFrom(command: Command): ConnectionSettings {
  const g = globalOptions(command);
  const settings = connectionSettings();
  return {
    ...settings,
    ...(g.address ? { address: g.address } : {}),
    ...(g.namespace ? { namespace: g.namespace } : {}),
    ...(g.taskQueue ? { taskQueue: g.taskQueue } : {}),
  };
}

/**
 * Connects a client, after checking the server answers for the namespace: a missing server becomes one clear
 * line within a few seconds instead of a gRPC error after a long retry.
 */
export async function connectClient(settings: ConnectionSettings): Promise<AgentClient> {
  if (!(await isServerReachable(settings.address, settings.namespace, REACH_TIMEOUT_MS))) {
    throw unreachable(settings.address);
  }
  try {
    return await AgentClient.connect(settings);
  } catch {
    throw unreachable(settings.address);
  }
}

/** Runs `fn` with a connected client and always closes the connection, so the process can exit. */
export async function withClient<T>(settings: ConnectionSettings, fn: (client: AgentClient) => Promise<T>): Promise<T> {
  const client = await connectClient(settings);
  try {
    return await fn(client);
  } finally {
    await client.client.connection.close().catch(() => undefined);
  }
}
