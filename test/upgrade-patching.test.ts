/**
 * Deploying new workflow logic while runs are in flight (docs/deploying.md): the replay check is the gate.
 * The same change to the agent loop, a timer before each model step, is bundled twice (by a webpack loader,
 * test/fixtures/workflow-change-loader.js): unguarded, it fails replay of the committed histories with a
 * non-determinism error; behind `patched()`, they replay, and a new run takes the new path.
 */
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { SILENT_SINKS, WORKFLOW_INTERCEPTOR_MODULES, WORKFLOWS_PATH } from '../workers/workflow-bundle';
import { testAgent } from './fixtures/test-agent';
import { committedHistories } from './helpers/committed-histories';
import { uniqueId } from './helpers/runs';
import { quietRuntime, useTestEnv } from './helpers/test-env';

quietRuntime();
const env = useTestEnv('upgrade');

type Variant = 'unpatched' | 'patched';

function bundleWithChange(variant: Variant): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    // As deployed: the same entry and interceptor modules as every real bundle (workers/workflow-bundle.ts).
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: [...WORKFLOW_INTERCEPTOR_MODULES],
    logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: console.error },
    webpackConfigHook: (config) => {
      config.module?.rules?.push({
        test: /workflows[\\/]agent-workflow\.ts$/,
        enforce: 'pre',
        use: [{ loader: require.resolve('./fixtures/workflow-change-loader.js'), options: { variant } }],
      });
      return config;
    },
  });
}

async function replayErrors(bundle: WorkflowBundleWithSourceMap): Promise<{ workflowId: string; error: Error }[]> {
  const errors: { workflowId: string; error: Error }[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle, sinks: SILENT_SINKS }, committedHistories().map(({ workflowId, history }) => ({ workflowId, history })))) {
    if (result.error) errors.push({ workflowId: result.workflowId, error: result.error });
  }
  return errors;
}

let unpatched: WorkflowBundleWithSourceMap;
let patched: WorkflowBundleWithSourceMap;
beforeAll(async () => {
  [unpatched, patched] = await Promise.all([bundleWithChange('unpatched'), bundleWithChange('patched')]);
}, 180_000);

test('an unpatched change to the agent loop fails replay of every committed history with a non-determinism error', async () => {
  const histories = committedHistories();
  expect(histories.length).toBeGreaterThanOrEqual(10);
  const errors = await replayErrors(unpatched);
  expect(errors.map((e) => e.workflowId).sort()).toEqual(histories.map((h) => h.workflowId).sort());
  for (const { error } of errors) expect(error.name).toBe('DeterminismViolationError');
}, 120_000);

test('the same change behind patched() replays every committed history', async () => {
  expect((await replayErrors(patched)).map((e) => `${e.workflowId}: ${e.error.message}`)).toEqual([]);
}, 120_000);

test('a new run on the patched code takes the new path: the patch marker, and a timer before each model step', async () => {
  const { server, model, client, store } = env();
  const { NativeConnection } = await import('@temporalio/worker');
  const { createAgentWorker } = await import('../workers/agent-worker');
  const connection = await NativeConnection.connect({ address: server.address });
  try {
    const worker = await createAgentWorker({
      agents: [testAgent],
      connection,
      namespace: server.namespace,
      taskQueue: env().taskQueue,
      model: { baseURL: model.url },
      workflowBundle: { code: patched.code },
      store,
    });
    const history = await worker.runUntil(async () => {
      const run = await client.start('tester', 'say hi', { scenario: 'happy', correlationId: uniqueId('patched') });
      expect((await run.result()).status).toBe('completed');
      return run.handle.fetchHistory();
    });
    const events = history.events ?? [];
    const marker = events.find((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch');
    expect(marker).toBeDefined();
    // One 1 ms timer before each model step: the new code ran, on every step.
    const modelSteps = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'model.call');
    expect(modelSteps.length).toBeGreaterThan(0);
    expect(events.filter((e) => e.timerStartedEventAttributes)).toHaveLength(modelSteps.length);
  } finally {
    await connection.close();
  }
}, 120_000);
