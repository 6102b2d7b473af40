/**
 * A Temporal dev server for a test file, started by the SDK's own `TestWorkflowEnvironment.createLocal` on the
 * `temporal` CLI jest's global setup provisioned (the SDK would otherwise download one), with the project's search
 * attributes. `server.env.connection` and `server.env.nativeConnection` are ready for clients and workers.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTE_KEYS } from '../../common/search-attributes';
import { getFreePort } from '../../temporal-config/dev-server';
import { resolveTemporalCliPathSync } from '../../temporal-config/provision-cli';
import {
  DEFAULT_IP,
  devServerDynamicConfigArgs,
  sqlitePragmaArgs,
  TEMPORAL_NAMESPACE,
} from '../../temporal-config/settings';

export interface TestServer {
  /** host:port of the frontend. */
  address: string;
  namespace: string;
  /** The Web UI, when asked for. */
  uiUrl?: string;
  env: TestWorkflowEnvironment;
  /** Kills the server (SIGKILL: a file-backed one starts again from its SQLite file) and closes the env's connections. */
  stop(): Promise<void>;
}

export interface TestServerOptions {
  /** Frontend port; default a free one. A server started again on the same file and port is the same server. */
  port?: number;
  /** SQLite file for state that survives a restart; default in memory. */
  dbFilename?: string;
  /** Serve the Web UI, on `uiPort` (default a free port), showing payloads through `codecEndpoint` if given. */
  ui?: { uiPort?: number; codecEndpoint?: string };
}

/** The SDK gives a starting server 5 s to open its port; a busy 2-core machine sometimes needs a second try. */
const START_ATTEMPTS = 3;

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const path = resolveTemporalCliPathSync();
  if (!path) throw new Error('no temporal CLI: run `npm run provision` (jest\'s global setup does)');
  const uiPort = opts.ui ? (opts.ui.uiPort ?? (await getFreePort())) : undefined;
  const dbFilename = opts.dbFilename ? resolve(opts.dbFilename) : undefined;
  // The CLI refuses a db file whose directory does not exist.
  if (dbFilename) mkdirSync(dirname(dbFilename), { recursive: true });
  const extraArgs = [
    // The same dynamic config as every other dev server the project starts: no 50 ms dispatch tick.
    ...devServerDynamicConfigArgs(),
    ...(dbFilename ? sqlitePragmaArgs() : []),
    ...(opts.ui?.codecEndpoint ? ['--ui-codec-endpoint', opts.ui.codecEndpoint] : []),
  ];
  const server = {
    executable: { type: 'existing-path' as const, path },
    ip: DEFAULT_IP,
    namespace: TEMPORAL_NAMESPACE,
    port: opts.port,
    dbFilename,
    ui: uiPort !== undefined,
    uiPort,
    searchAttributes: [...SEARCH_ATTRIBUTE_KEYS],
    extraArgs,
    // The server's output goes straight to jest's stdout: errors only.
    log: { format: 'pretty', level: 'error' },
  };
  let env: TestWorkflowEnvironment | undefined;
  for (let attempt = 1; !env; attempt++) {
    try {
      env = await TestWorkflowEnvironment.createLocal({ server });
    } catch (err) {
      if (attempt >= START_ATTEMPTS) throw err;
    }
  }
  await untilNamespaceServed(env.connection, TEMPORAL_NAMESPACE);
  const started = env;
  return {
    address: started.address,
    namespace: TEMPORAL_NAMESPACE,
    uiUrl: uiPort === undefined ? undefined : `http://${DEFAULT_IP}:${uiPort}`,
    env: started,
    stop: () => started.teardown(),
  };
}

/** The port opens before the namespace registry has loaded; until then the frontend answers NotFound. */
async function untilNamespaceServed(connection: Connection, namespace: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await connection.workflowService.describeNamespace({ namespace });
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
