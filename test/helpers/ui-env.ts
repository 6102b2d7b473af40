/**
 * For the browser tests: a dev server with its Web UI, the scripted model, a client, and headless Chromium; a
 * fresh worker per test, on a private task queue.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { LocalBlobStore } from '../../stores/local-store';
import type { Browser } from 'playwright-core';
import type { AgentDefinition } from '../../agents/define';
import { AgentClient } from '../../client/agent-client';
import { exampleScenarioDirs } from '../../examples';
import { startScriptedModelServer, type ScriptedModelServer } from '../../scripted-model/server';
import { startDevServer, type DevServer } from '../../temporal-config/dev-server';
import { createAgentWorker } from '../../workers/agent-worker';
import { launchBrowser } from './browser';
import { FIXTURE_SCENARIOS, quietRuntime } from './test-env';

export interface UiTestEnv {
  server: DevServer;
  model: ScriptedModelServer;
  client: AgentClient;
  browser: Browser;
  withWorker<T>(agents: AgentDefinition[], fn: () => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}

export async function startUiTestEnv(taskQueue: string, opts: { uiPort?: number; uiCodecEndpoint?: string } = {}): Promise<UiTestEnv> {
  quietRuntime();
  const server = await startDevServer({ uiPort: opts.uiPort, uiCodecEndpoint: opts.uiCodecEndpoint });
  const model = await startScriptedModelServer({ scenarioDirs: [FIXTURE_SCENARIOS, ...exampleScenarioDirs] });
  // One store for the client and the workers (offloaded payloads written by one are read by the other).
  const store = await LocalBlobStore.open(join(mkdtempSync(join(tmpdir(), 'durable-agent-blobs-')), 'blobs'));
  const client = await AgentClient.connect({ address: server.address, namespace: server.namespace, taskQueue, uiUrl: server.uiUrl }, { store });
  const connection = await NativeConnection.connect({ address: server.address });
  const browser = await launchBrowser();
  return {
    server,
    model,
    client,
    browser,
    async withWorker(agents, fn) {
      const worker = await createAgentWorker({
        agents,
        connection,
        namespace: server.namespace,
        taskQueue,
        model: { baseURL: model.url },
        workflowBundle: { codePath: process.env.DURABLE_AGENT_TEST_BUNDLE as string },
        store,
      });
      return worker.runUntil(fn);
    },
    async stop() {
      await browser.close();
      await connection.close();
      await client.client.connection.close();
      await model.close();
      await server.stop();
    },
  };
}
