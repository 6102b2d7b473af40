/**
 * The Temporal dev server's settings, in one place: the CLI version we pin, the namespace, ports, where the
 * persistent SQLite file lives, and the custom search attributes registered at server start.
 */
import * as path from 'node:path';

/**
 * The `temporal` CLI release we pin. The CLI embeds the server (1.29.1 for CLI 1.5.1) and the UI, so pinning
 * the CLI pins the server behaviour our tests and recorded histories depend on.
 */
export const TEMPORAL_CLI_VERSION = '1.5.1';

/** The dev server always creates `default`; using it means no extra `--namespace` flag is needed. */
export const TEMPORAL_NAMESPACE = 'default';

export const DEFAULT_FRONTEND_PORT = 7233;
/** The CLI's own default is frontend port + 1000; we say it explicitly. */
export const DEFAULT_UI_PORT = 8233;
export const DEFAULT_IP = '127.0.0.1';

/** Environment variable that overrides where the persistent dev server keeps its SQLite file. */
export const TEMPORAL_DB_ENV = 'DURABLE_AGENT_TEMPORAL_DB';

/** The project root (this file lives at `<root>/temporal-config/settings.ts`, or `<root>/dist/temporal-config/…`). */
export function projectRoot(): string {
  const up = path.resolve(__dirname, '..');
  return path.basename(up) === 'dist' ? path.dirname(up) : up;
}

/**
 * The persistent dev server's SQLite file. Workflow state only survives a server restart when the server
 * writes to a file; the default (no `--db-filename`) is in-memory, which is what tests want.
 */
export function defaultDbFilename(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[TEMPORAL_DB_ENV];
  if (fromEnv) return path.resolve(fromEnv);
  return path.join(projectRoot(), '.durable-agent', 'temporal.sqlite');
}

/**
 * SQLite pragmas passed as `--sqlite-pragma`. At the default pragmas (rollback journal, synchronous=full) every
 * Temporal persistence write fsyncs, and a file-backed dev server becomes very slow; WAL with synchronous=normal
 * is still crash-safe for the database (a power loss may drop the last transactions, never corrupt).
 */
export const SQLITE_PRAGMAS = { journal_mode: 'wal', synchronous: 'normal' } as const;

/** Search attribute types, spelled the way `temporal server start-dev --search-attribute NAME=Type` accepts them. */
export type SearchAttributeTypeName = 'Text' | 'Keyword' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';

/**
 * The project's custom search attributes. Registered at server start so workflows can upsert them from their
 * first task: upserting an unregistered attribute fails the workflow task. Must agree with
 * `common/search-attributes.ts` (a test checks).
 */
export const SEARCH_ATTRIBUTES = {
  AgentName: 'Keyword',
  AgentStatus: 'Keyword',
  CorrelationId: 'Keyword',
  EscalationPending: 'Bool',
} as const satisfies Record<string, SearchAttributeTypeName>;

export type SearchAttributeName = keyof typeof SEARCH_ATTRIBUTES;

/**
 * `temporal.api.enums.v1.IndexedValueType` numbers, which is what the operator service's listSearchAttributes
 * returns. Kept here rather than importing @temporalio/proto, which is not a direct dependency.
 */
export const INDEXED_VALUE_TYPE: Record<SearchAttributeTypeName, number> = {
  Text: 1,
  Keyword: 2,
  Int: 3,
  Double: 4,
  Bool: 5,
  Datetime: 6,
  KeywordList: 7,
};
