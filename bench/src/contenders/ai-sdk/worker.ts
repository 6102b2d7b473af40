/**
 * The ai-sdk agent's worker (runs in worker-host.ts, under Node 22): the AiSdkPlugin with the AI SDK's Anthropic
 * provider pointed at the scripted model. The plugin registers the model activity and prepares the bundle
 * (polyfills the `ai` package needs inside the workflow sandbox).
 */
import * as path from 'node:path';
import { createAnthropic } from '@ai-sdk/anthropic';
import { AiSdkPlugin } from '@temporalio/ai-sdk';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { cachedBundle } from '../bundle-cache';
import type { WorkerFactory } from '../worker-host-options';
import { lookupItemActivity } from './activities';

export const createWorker: WorkerFactory = async (opts) => {
  const connection = await NativeConnection.connect({ address: opts.address });
  const plugin = new AiSdkPlugin({ modelProvider: createAnthropic({ apiKey: 'scripted-model', baseURL: `${opts.modelUrl}/v1` }) });
  const workflowBundle = await cachedBundle(path.join(opts.bundleDir, 'ai-sdk.js'), () =>
    bundleWorkflowCode({ workflowsPath: require.resolve('./workflows'), plugins: [plugin] }),
  );
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    workflowBundle,
    plugins: [plugin],
    activities: { lookupItemActivity },
  });
  return { identity: worker.options.identity, run: () => worker.run(), shutdown: () => worker.shutdown() };
};
