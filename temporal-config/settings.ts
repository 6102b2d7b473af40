/**
 * The Temporal dev server's settings, in one place: the CLI version we pin, the namespace, ports, where the
 * persistent SQLite file lives, and the custom search attributes registered at server start.
 */
import * as path from 'node:path';
import { TypedSearchAttributes, type SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTE_KEYS } from '../common/search-attributes';
import { defaultDataDir } from './data-dir';

/**
 * The `temporal` CLI release we pin. The CLI embeds the server (1.29.1 for CLI 1.5.1) and the UI, so pinning
 * the CLI pins the server behaviour our tests and recorded histories depend on.
 */
export const TEMPORAL_CLI_VERSION = '1.5.1';

/**
 * The server the CLI embeds (its `--version` says `Server 1.29.1`): the production-shaped cluster runs this one
 * (temporal-config/server-binaries.ts), so what passes on the dev server and on the cluster is the same server code.
 */
export const TEMPORAL_SERVER_VERSION = '1.29.1';

/** The dev server always creates `default`; using it means no extra `--namespace` flag is needed. */
export const TEMPORAL_NAMESPACE = 'default';

export const DEFAULT_FRONTEND_PORT = 7233;
/** The CLI's own default is frontend port + 1000; we say it explicitly. */
export const DEFAULT_UI_PORT = 8233;
export const DEFAULT_IP = '127.0.0.1';

/** Environment variable that overrides where the persistent dev server keeps its SQLite file. */
export const TEMPORAL_DB_ENV = 'DURABLE_AGENT_TEMPORAL_DB';

/**
 * The package's own folder (this file is `<root>/temporal-config/settings.ts`, or `<root>/dist/temporal-config/…`),
 * for the files it ships (package.json, scenarios, the built CLI). Never for data: installed, this folder is inside
 * `node_modules/`, which the next `npm ci` deletes (data-dir.ts).
 */
export function projectRoot(): string {
  const up = path.resolve(__dirname, '..');
  return path.basename(up) === 'dist' ? path.dirname(up) : up;
}

/**
 * The persistent dev server's SQLite file: `DURABLE_AGENT_TEMPORAL_DB`, else `temporal.sqlite` in the user's data
 * directory (data-dir.ts), where every process that talks to the one dev server on this machine finds it and its pid
 * file. Workflow state only survives a server restart when the server writes to a file; the default (no
 * `--db-filename`) is in-memory, which is what tests want.
 */
export function defaultDbFilename(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[TEMPORAL_DB_ENV];
  if (fromEnv) return path.resolve(fromEnv);
  return path.join(defaultDataDir(env), 'temporal.sqlite');
}

/**
 * SQLite pragmas passed as `--sqlite-pragma`. At the default pragmas (rollback journal, synchronous=full) every
 * Temporal persistence write fsyncs, and a file-backed dev server becomes very slow; WAL with synchronous=normal
 * is still crash-safe for the database (a power loss may drop the last transactions, never corrupt).
 */
export const SQLITE_PRAGMAS = { journal_mode: 'wal', synchronous: 'normal' } as const;

/** `--sqlite-pragma K=V` for each of SQLITE_PRAGMAS, for a server on a database file. */
export function sqlitePragmaArgs(): string[] {
  return Object.entries(SQLITE_PRAGMAS).flatMap(([k, v]) => ['--sqlite-pragma', `${k}=${v}`]);
}

/**
 * Dynamic config every dev server the project starts runs with: `durable-agent server`, the demo, the soak, the
 * bench (all through `serverArgs`) and the tests (test/helpers/local-server.ts, through `createLocal`'s `extraArgs`).
 * Each entry must measurably help; docs/tuning.md ("Dispatch tick") has the figures and what was tried and left out.
 *
 * @example
 * ```ts
 * spawn(cli, ['server', 'start-dev', ...devServerDynamicConfigArgs()]);
 * ```
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Readonly<Record<string, string | number | boolean>> = {
  // The history service loads a shard's transfer tasks (a workflow task or an activity task to hand to matching)
  // through a token bucket of this many loads per second, burst the same. A run's tasks all live on one shard, and
  // the dev server has one shard for everything: after 20 quick loads every dispatch waits for the next 50 ms token,
  // so a bare activity step took 87–102 ms instead of 20–26 ms. Loads still happen only when a task is written (or
  // once a minute), so a high limit costs nothing when idle. Server default 20.
  'history.transferProcessorMaxPollRPS': 10_000,
  // An activity scheduled by a workflow task goes back to the worker in that task's completion reply, not through
  // the transfer queue and matching: one dispatch less per tool call and per model step. Server 1.29.1 hands an
  // eager activity its task without the retry policy (workflow_task_completed_handler.go), so the model step's
  // backoff travels in its input too (common/model.ts ModelCallInput.retry.backoff).
  'system.enableActivityEagerExecution': true,
};

/** `--dynamic-config-value K=V` for each of DEV_SERVER_DYNAMIC_CONFIG (the CLI reads V as YAML, so JSON works). */
export function devServerDynamicConfigArgs(): string[] {
  return Object.entries(DEV_SERVER_DYNAMIC_CONFIG).flatMap(([k, v]) => [
    '--dynamic-config-value',
    `${k}=${JSON.stringify(v)}`,
  ]);
}

/**
 * The project's custom search attributes (common/search-attributes.ts) as `temporal server start-dev
 * --search-attribute NAME=Type` spells them. Registered at server start so workflows can upsert them from their
 * first task: upserting an unregistered attribute fails the workflow task.
 */
export const SEARCH_ATTRIBUTES: Readonly<Record<string, string>> = Object.fromEntries(
  SEARCH_ATTRIBUTE_KEYS.map((key) => [key.name, TypedSearchAttributes.toMetadataType(key.type)]),
);

/** The operator service's number for a search attribute type (what listSearchAttributes returns). */
export function indexedValueType(type: SearchAttributeType): temporal.api.enums.v1.IndexedValueType {
  return temporal.api.enums.v1.IndexedValueType[`INDEXED_VALUE_TYPE_${type}`];
}
