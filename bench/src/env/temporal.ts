/**
 * The local Temporal dev server, started with the project's own `startDevServer`: file-backed SQLite, which makes
 * it pass `--sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal` (temporal-config/settings.ts
 * SQLITE_PRAGMAS), the configuration issue 5 asks the numbers to be taken with, and the dynamic config every dev
 * server of the project runs with (settings.ts DEV_SERVER_DYNAMIC_CONFIG: no 50 ms dispatch tick).
 */
import * as path from 'node:path';
import type * as DevServerModule from '../../../dist/temporal-config/dev-server';
import type * as SettingsModule from '../../../dist/temporal-config/settings';
import { PROJECT_DIST } from './paths';

export interface BenchTemporal {
  address: string;
  namespace: string;
  pragmas: Record<string, string>;
  /** What the server was started with, for the results' header. */
  dynamicConfig: Record<string, unknown>;
  cliVersion: string;
  stop(): Promise<void>;
}

export async function startTemporal(workDir: string): Promise<BenchTemporal> {
  const { startDevServer } = require(path.join(PROJECT_DIST, 'temporal-config', 'dev-server')) as typeof DevServerModule;
  const settings = require(path.join(PROJECT_DIST, 'temporal-config', 'settings')) as typeof SettingsModule;
  const server = await startDevServer({
    dbFilename: path.join(workDir, 'temporal.sqlite'),
    headless: true,
    logFile: path.join(workDir, 'logs', 'temporal.log'),
  });
  return {
    address: server.address,
    namespace: server.namespace,
    pragmas: { ...settings.SQLITE_PRAGMAS },
    dynamicConfig: { ...settings.DEV_SERVER_DYNAMIC_CONFIG },
    cliVersion: settings.TEMPORAL_CLI_VERSION,
    stop: () => server.stop(),
  };
}
