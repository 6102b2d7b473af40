/**
 * The CLI's edge: the configuration, read from the environment once per process (`cliConfig()`); connection
 * settings for every command, its connection overridden by the global `--address`, `--namespace` and
 * `--task-queue` options; and a client connection that fails fast, in one line, when no server answers.
 */
import type { Command } from 'commander';
import { AgentClient } from '../client/agent-client';
import { NO_KEY_WARNING } from '../client/undecodable';
import { ConfigError, configFromEnv, type ConnectionSettings, type DurableAgentConfig } from '../common/config';
import { isServerReachable } from '../temporal-config/dev-server';
import { CliError, unreachable } from './errors';
import { printError } from './output';

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

let config: DurableAgentConfig | undefined;

/**
 * The configuration from this process's environment, read and checked on first use and kept: every command and
 * every factory it calls sees the same values. A bad value is a one-line CLI error naming the variable.
 */
export function cliConfig(): DurableAgentConfig {
  if (!config) {
    try {
      config = configFromEnv(process.env);
    } catch (err) {
      if (err instanceof ConfigError) throw new CliError(err.message);
      throw err;
    }
  }
  return config;
}

export function settingsFrom(command: Command): ConnectionSettings {
  const g = globalOptions(command);
  const settings = cliConfig().connection;
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
    return await AgentClient.connect(settings, { config: cliConfig() });
  } catch {
    throw unreachable(settings.address);
  }
}

/**
 * Without a payload key, one line on stderr when the namespace holds encrypted runs: each of them will show as
 * undecodable, and a run this process starts would be refused by workers that have the key. Never fails a command.
 */
export async function warnIfKeyMissing(client: AgentClient): Promise<void> {
  if (client.hasPayloadKey) return;
  if (await client.holdsEncryptedRuns().catch(() => false)) printError(`durable-agent: warning: ${NO_KEY_WARNING}`);
}

/**
 * Runs `fn` with a connected client and always closes the connection, so the process can exit. Says first, in one
 * line, when no payload key is configured and the namespace holds encrypted runs (`warnIfKeyMissing`).
 */
export async function withClient<T>(settings: ConnectionSettings, fn: (client: AgentClient) => Promise<T>): Promise<T> {
  const client = await connectClient(settings);
  try {
    await warnIfKeyMissing(client);
    return await fn(client);
  } finally {
    await client.client.connection.close().catch(() => undefined);
  }
}
