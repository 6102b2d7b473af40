/**
 * The CLI's edge: the configuration, read from the environment once per process (`cliConfig()`), with the Temporal
 * profile the global `--profile` names (else TEMPORAL_PROFILE's, else "default"); connection settings for every
 * command, overridden by the global `--address`, `--namespace` and `--task-queue` options; and a client
 * connection that fails fast, in one line that says why, when Temporal does not answer.
 */
import type { Command } from 'commander';
import { AgentClient } from '../client/agent-client';
import { NO_KEY_WARNING } from '../client/undecodable';
import { ConfigError, configFromEnv, type ConnectionSettings, type DurableAgentConfig } from '../common/config';
import type { ConnectFailure, TemporalConnectionError } from '../connection/connect-failure';
import { probeTemporal } from '../connection/client-connection';
import { CliError } from './errors';
import { printError } from './output';

export interface GlobalOptions {
  address?: string;
  namespace?: string;
  taskQueue?: string;
  agents?: string;
  profile?: string;
}

/** How long a command waits for Temporal to answer before saying it is not there. */
export const REACH_TIMEOUT_MS = 3_000;

export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

let config: DurableAgentConfig | undefined;
let profile: string | undefined;

/**
 * The global `--profile`, set before a command's action runs (cli/main.ts's preAction hook): every command reads the
 * configuration through `cliConfig()`, and the profile decides what it holds.
 */
export function useProfile(name: string | undefined): void {
  profile = name;
  config = undefined;
}

/**
 * The configuration from this process's environment, read and checked on first use and kept: every command and
 * every factory it calls sees the same values. A bad value (a variable, the profile file, a certificate it names,
 * an unknown profile) is a one-line CLI error naming it.
 */
export function cliConfig(): DurableAgentConfig {
  if (!config) {
    try {
      config = configFromEnv(process.env, profile === undefined ? {} : { profile, profileFrom: '--profile' });
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
 * Checks Temporal answers for the namespace, with the settings' TLS and credentials: a missing server, a failed TLS
 * handshake, refused credentials or an unknown namespace become one clear line within a few seconds instead of a
 * gRPC error after a long retry.
 */
export async function ensureTemporalAnswers(settings: ConnectionSettings): Promise<void> {
  const failure = await probeTemporal(settings, REACH_TIMEOUT_MS);
  if (failure) throw connectionError(failure, settings);
}

/** The CLI's line for a failed connection: the classified reason, and for a local address, how to start a server. */
export function connectionError(failure: ConnectFailure, settings: Pick<ConnectionSettings, 'address' | 'credentials'>): CliError {
  // Without TLS or a key it is most likely the local dev server, which this CLI starts.
  if (failure.kind === 'unreachable' && !settings.credentials) return new CliError(`${failure.message} (is \`durable-agent server\` running?)`);
  return new CliError(failure.message);
}

/** Connects a client, after `ensureTemporalAnswers`. */
export async function connectClient(settings: ConnectionSettings): Promise<AgentClient> {
  await ensureTemporalAnswers(settings);
  try {
    return await AgentClient.connect(settings, { config: cliConfig() });
  } catch (err) {
    // Anything else (the store, say) says what it is itself.
    if (err instanceof Error && err.name === 'TemporalConnectionError') throw connectionError(err as TemporalConnectionError, settings);
    throw err;
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
    await client.close();
  }
}
