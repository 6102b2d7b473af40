/**
 * Once per `jest` run: make sure the pinned `temporal` CLI is there, and bundle the workflow code once so each
 * test file's workers start in milliseconds instead of re-running webpack.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { devNull, tmpdir } from 'node:os';
import { join } from 'node:path';
import { provisionTemporalCli } from '../temporal-config/provision-cli';
import { bundleAgentWorkflows } from '../workers/workflow-bundle';
import { quietLogger } from './helpers/quiet-logger';

export default async function globalSetup(): Promise<void> {
  // The tests' own processes (jest's workers inherit this environment) connect to the servers the tests start: a
  // developer's Temporal settings (TEMPORAL_* in the shell, the default profile in ~/.config/temporalio) must not add
  // TLS or a key to those connections (docs/connecting.md). Child processes get the same from hermeticEnv.
  for (const key of Object.keys(process.env)) if (key.startsWith('TEMPORAL_') && key !== 'TEMPORAL_CLI_PATH') delete process.env[key];
  process.env.TEMPORAL_CONFIG_FILE = devNull;
  // A worker or client given no store, and the example agent's SQLite file, use the data directory; unset, that is
  // the user's own (~/.local/state/durable-agent, temporal-config/data-dir.ts), which a test run must not fill.
  process.env.DURABLE_AGENT_DATA_DIR = mkdtempSync(join(tmpdir(), 'durable-agent-test-data-'));
  const cli = await provisionTemporalCli();
  process.env.TEMPORAL_CLI_PATH = cli.path;
  // The same bundle a deployment makes: workflows plus the workflow interceptor modules (OpenTelemetry).
  const { code } = await bundleAgentWorkflows({ logger: quietLogger });
  const file = join(mkdtempSync(join(tmpdir(), 'durable-agent-bundle-')), 'workflows.js');
  writeFileSync(file, code);
  process.env.DURABLE_AGENT_TEST_BUNDLE = file;
}
