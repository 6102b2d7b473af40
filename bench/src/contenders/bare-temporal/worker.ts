/**
 * Bare Temporal's worker (runs in worker-host.ts): SDK defaults, the bench's own @temporalio/worker 1.24.0.
 */
import * as path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { cachedBundle } from '../bundle-cache';
import type { WorkerFactory } from '../worker-host-options';
import { createBareActivities } from './activities';

export const createWorker: WorkerFactory = async (opts) => {
  const connection = await NativeConnection.connect({ address: opts.address });
  // Temporal owns retries, as in durable-agent.
  const anthropic = new Anthropic({ apiKey: 'scripted-model', baseURL: opts.modelUrl, maxRetries: 0 });
  const workflowBundle = await cachedBundle(path.join(opts.bundleDir, 'bare-temporal.js'), () =>
    bundleWorkflowCode({ workflowsPath: require.resolve('./workflows') }),
  );
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    workflowBundle,
    activities: createBareActivities(anthropic),
  });
  return { identity: worker.options.identity, run: () => worker.run(), shutdown: () => worker.shutdown() };
};
