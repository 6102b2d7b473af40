/**
 * Worker Versioning on the cluster: two builds of the same agents, A and B, in one Worker Deployment. A run
 * pinned to A keeps running on A after B becomes current; a new run goes to B. Which build ran each tool is what
 * the tool itself returns (each build's tool says its own name), read back from the runs' ledgers.
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from '@temporalio/worker';
import { z } from 'zod';
import { defineAgent, defineTool } from '../../agents/define';
import { AgentClient, type AgentRun } from '../../client/agent-client';
import { configFromEnv, type DurableAgentConfig } from '../../common/config';
import { startScriptedModelServer, type ScriptedModelServer } from '../../scripted-model/server';
import { createAgentWorker } from '../../workers/agent-worker';
import { quietRuntime } from '../helpers/test-env';
import { uniqueId, waitForEscalation } from '../helpers/runs';
import { clusterEnv, eventually } from './cluster-env';

jest.setTimeout(180_000);

/** The same agent, as build `build` ships it: both tools report which build ran them. */
function agentOfBuild(build: string) {
  const whoami = defineTool({
    name: 'whoami',
    description: 'Say which build runs this.',
    input: z.object({}),
    effect: 'read',
    run: async () => ({ build }),
  });
  const ship = defineTool({
    name: 'ship',
    description: 'Ship the order. Irreversible.',
    input: z.object({ order: z.string() }),
    effect: 'irreversible',
    approvers: ['pat'],
    run: async ({ order }) => ({ shipped: order, build }),
  });
  return defineAgent({ name: 'shipper', model: 'claude-test', system: 'You ship orders.', tools: [whoami, ship] });
}

const SCENARIO = {
  name: 'versioned',
  turns: [
    { toolCalls: [{ name: 'whoami', input: {} }] },
    { toolCalls: [{ name: 'ship', input: { order: 'ord_1', confidence: 0.9, rationale: 'The customer paid.' } }] },
    { text: 'Shipped.' },
  ],
};

let model: ScriptedModelServer;
let scratch: string;
let config: DurableAgentConfig;
let client: AgentClient;
const workers: { worker: Worker; done: Promise<void> }[] = [];

async function startBuild(deployment: string, build: string): Promise<void> {
  const bundle = process.env.DURABLE_AGENT_TEST_BUNDLE;
  const worker = await createAgentWorker({
    agents: [agentOfBuild(build)],
    config,
    model: { baseURL: model.url },
    deployment: { name: deployment, buildId: build },
    versioningBehavior: 'PINNED',
    ...(bundle ? { workflowBundle: { codePath: bundle } } : {}),
  });
  workers.push({ worker, done: worker.run() });
}

/** Makes `build` the deployment's current version, once the server has seen its workers poll. */
async function setCurrent(deployment: string, build: string): Promise<void> {
  const service = client.client.connection.workflowService;
  await eventually(
    async () => {
      try {
        await service.setWorkerDeploymentCurrentVersion({ namespace: config.connection.namespace, deploymentName: deployment, buildId: build, identity: 'versioning-test' });
        return true;
      } catch {
        return false; // the version is not registered yet: its pollers have not reached the server
      }
    },
    (ok) => ok,
  );
}

async function buildOf(run: AgentRun): Promise<string | undefined> {
  const { raw } = await run.handle.describe();
  return raw.workflowExecutionInfo?.versioningInfo?.deploymentVersion?.buildId ?? undefined;
}

beforeAll(async () => {
  quietRuntime();
  scratch = mkdtempSync(join(tmpdir(), 'durable-agent-versioning-'));
  writeFileSync(join(scratch, 'versioned.json'), JSON.stringify(SCENARIO));
  model = await startScriptedModelServer({ scenarioDirs: [scratch] });
  config = configFromEnv(clusterEnv({ DURABLE_AGENT_TASK_QUEUE: uniqueId('versioned'), DURABLE_AGENT_DATA_DIR: join(scratch, 'data') }));
  client = await AgentClient.connect({}, { config });
});

afterAll(async () => {
  for (const { worker } of workers) worker.shutdown();
  await Promise.all(workers.map((w) => w.done.catch(() => undefined)));
  await client?.close();
  await model?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test('a run pinned to build A keeps running on A while new runs go to build B', async () => {
  const deployment = uniqueId('agents');
  await startBuild(deployment, 'A');
  await setCurrent(deployment, 'A');

  const onA = await client.start('shipper', 'Ship ord_1.', { scenario: 'versioned' });
  await waitForEscalation(onA);
  expect(await buildOf(onA)).toBe('A');

  await startBuild(deployment, 'B');
  await setCurrent(deployment, 'B');
  const onB = await client.start('shipper', 'Ship ord_1.', { scenario: 'versioned' });
  await waitForEscalation(onB);
  expect(await buildOf(onB)).toBe('B');

  // Both decided after B became current: the pinned run's irreversible call still runs on A.
  for (const run of [onA, onB]) {
    const { id } = await waitForEscalation(run);
    await run.resolve({ escalationId: id, decision: 'approve', by: 'pat' });
  }
  const [a, b] = await Promise.all([onA.result(), onB.result()]);
  expect(a.ledger.map((e) => [e.tool, (e.result as { build: string }).build])).toEqual([['ship', 'A']]);
  expect(b.ledger.map((e) => [e.tool, (e.result as { build: string }).build])).toEqual([['ship', 'B']]);
  expect(await buildOf(onA)).toBe('A');
});
