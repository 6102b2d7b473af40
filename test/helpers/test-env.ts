/**
 * One real Temporal dev server and one scripted model server per test file, and a fresh worker per test.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import type { AgentDefinition } from '../../agents/define';
import { AgentClient } from '../../client/agent-client';
import { createAgentWorker } from '../../workers/agent-worker';
import { startScriptedModelServer, type ScriptedModelServer } from '../../scripted-model/server';
import { exampleScenarioDirs } from '../../examples';
import type { BlobStore } from '../../stores/blob-store';
import { LocalBlobStore } from '../../stores/local-store';
import { startTestServer, type TestServer } from './local-server';
import { FIXTURE_SCENARIOS } from './paths';

export { FIXTURE_SCENARIOS };

let runtimeQuieted = false;
/** The worker's Rust core logs every retried activity at WARN; tests provoke those on purpose. */
export function quietRuntime(): void {
  if (runtimeQuieted) return;
  runtimeQuieted = true;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
}

export interface TestEnv {
  server: TestServer;
  store: BlobStore;
  model: ScriptedModelServer;
  client: AgentClient;
  taskQueue: string;
  /** Runs `fn` while a fresh worker for `agents` polls the task queue; shuts the worker down after. */
  withWorker<T>(agents: AgentDefinition[], fn: (worker: Worker) => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}

export interface TestEnvOptions {
  /** Serve the Temporal Web UI too (browser tests), optionally on a port and with a codec endpoint. */
  ui?: { uiPort?: number; codecEndpoint?: string };
}

export async function startTestEnv(name: string, opts: TestEnvOptions = {}): Promise<TestEnv> {
  quietRuntime();
  const server = await startTestServer({ ui: opts.ui });
  const model = await startScriptedModelServer({ scenarioDirs: [FIXTURE_SCENARIOS, ...exampleScenarioDirs] });
  const taskQueue = `test-${name}`;
  // One store for the file's client and workers: offloaded payloads written by one are read by the other.
  const store = await LocalBlobStore.open(join(mkdtempSync(join(tmpdir(), 'durable-agent-blobs-')), 'blobs'));
  const uiUrl = server.uiUrl ? { uiUrl: server.uiUrl } : {};
  const client = await AgentClient.connect({ address: server.address, namespace: server.namespace, taskQueue, ...uiUrl }, { store });
  const bundlePath = process.env.DURABLE_AGENT_TEST_BUNDLE;
  const workflowBundle = bundlePath ? { codePath: bundlePath } : undefined;
  return {
    server,
    store,
    model,
    client,
    taskQueue,
    async withWorker(agents, fn) {
      const worker = await createAgentWorker({
        agents,
        connection: server.env.nativeConnection,
        namespace: server.namespace,
        taskQueue,
        model: { baseURL: model.url },
        workflowBundle,
        store,
      });
      return worker.runUntil(() => fn(worker));
    },
    async stop() {
      await client.client.connection.close();
      await model.close();
      await server.stop();
    },
  };
}

/** A private data directory (the example store's SQLite file lives there). */
export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'durable-agent-data-'));
}

/**
 * The per-file setup every workflow test shares: one environment for the file, stopped after it.
 * Returns a getter, since the environment exists only once `beforeAll` has run.
 */
export function useTestEnv(name: string): () => TestEnv {
  let env: TestEnv | undefined;
  beforeAll(async () => {
    env = await startTestEnv(name);
  }, 120_000);
  afterAll(async () => env?.stop());
  return () => {
    if (!env) throw new Error('the test environment did not start (see beforeAll)');
    return env;
  };
}
