/**
 * Once per `jest` run: make sure the pinned `temporal` CLI is there, and bundle the workflow code once so each
 * test file's workers start in milliseconds instead of re-running webpack.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { provisionTemporalCli } from '../temporal-config/provision-cli';
import { bundleAgentWorkflows } from '../workers/workflow-bundle';
import { quietLogger } from './helpers/quiet-logger';

export default async function globalSetup(): Promise<void> {
  const cli = await provisionTemporalCli();
  process.env.TEMPORAL_CLI_PATH = cli.path;
  // The same bundle a deployment makes: workflows plus the workflow interceptor modules (OpenTelemetry).
  const { code } = await bundleAgentWorkflows({ logger: quietLogger });
  const file = join(mkdtempSync(join(tmpdir(), 'durable-agent-bundle-')), 'workflows.js');
  writeFileSync(file, code);
  process.env.DURABLE_AGENT_TEST_BUNDLE = file;
}
