/**
 * What DurableAgentPlugin does to the options of a worker, replay worker, bundler and client the application built:
 * adds ours, keeps theirs, and refuses what cannot be two.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PayloadCodec } from '@temporalio/common';
import type { BundleOptions, WorkerOptions } from '@temporalio/worker';
import { defineAgent, defineTool } from '../agents/define';
import { LocalBlobStore } from '../stores/local-store';
import { mergeDataConverter, DurableAgentPlugin } from '../workers/plugin';
import {
  FAILURE_CONVERTER_PATH,
  RUN_LABELS_MODULE,
  SILENT_SINKS,
  TEMPORAL_TRACING_MODULE,
  WORKFLOW_INTERCEPTOR_MODULES,
  WORKFLOW_SPANS_MODULE,
  WORKFLOWS_PATH,
} from '../workers/workflow-bundle';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry/lib/plugin';
import { Resource } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { WorkerTracing } from '../workers/tracing';
import { z } from 'zod';

const echo = defineTool({ name: 'echo', description: 'Echo.', input: z.object({ text: z.string() }), effect: 'read', run: async ({ text }) => ({ text }) });
const agent = defineAgent({ name: 'echoer', model: 'claude-sonnet-4-6', system: 'Echo.', tools: [echo] });
const store = () => LocalBlobStore.open(mkdtempSync(join(tmpdir(), 'plugin-unit-')));
const base = { taskQueue: 'q', connection: undefined } as unknown as WorkerOptions;
const model = { baseURL: 'http://127.0.0.1:1' };

test('a worker gets our activities next to its own, our workflows when it names none, and the span sink', async () => {
  const plugin = new DurableAgentPlugin({ agents: [agent], store: await store(), model });
  const mine = { shout: async () => 'HI' };
  const options = plugin.configureWorker({ ...base, activities: mine });
  expect(Object.keys(options.activities ?? {})).toEqual(expect.arrayContaining(['shout', 'agent.describe', 'model.call', 'tool.echo']));
  expect(options.workflowsPath).toBe(WORKFLOWS_PATH);
  expect(options.sinks?.exporter).toBe(SILENT_SINKS.exporter);
  // The counters go to the worker's own sink (workers/metrics-sink.ts), never on replay.
  expect(options.sinks?.durableAgentMetrics?.add).toMatchObject({ callDuringReplay: false });
  expect(options.dataConverter?.failureConverterPath).toBe(FAILURE_CONVERTER_PATH);
  expect(options.dataConverter?.externalStorage).toBeDefined();
});

test("a worker's own workflows, bundle and exporter sink are kept", async () => {
  const plugin = new DurableAgentPlugin({ agents: [agent], store: await store(), model });
  expect(plugin.configureWorker({ ...base, workflowsPath: '/app/workflows.js' }).workflowsPath).toBe('/app/workflows.js');
  const bundled = plugin.configureWorker({ ...base, workflowBundle: { code: '' } });
  expect(bundled.workflowsPath).toBeUndefined();
  const ownExporter = { exporter: { export: { fn: () => undefined } } };
  expect(plugin.configureWorker({ ...base, sinks: ownExporter }).sinks?.exporter).toBe(ownExporter.exporter);
});

test('a traced plugin adds our tracing interceptor modules in place of Temporal\'s, and the sink; a bundler made with it gets each module once', async () => {
  const temporal = new OpenTelemetryPlugin({ resource: Resource.default(), spanProcessor: new SimpleSpanProcessor(new InMemorySpanExporter()) });
  const ours = () => ({});
  const tracing: WorkerTracing = { plugin: temporal, activityInterceptors: [ours], sinks: { exporter: { export: { fn: () => undefined } } } };
  const plugin = new DurableAgentPlugin({ agents: [agent], store: await store(), model, tracing });
  const options = plugin.configureWorker(base);
  // Temporal's OpenTelemetryPlugin first, so its interceptors are the outer ones and ours run inside its spans; in
  // the workflow, its module is replaced by ours, which makes the same spans (docs/trace.md), then our labels.
  expect(options.interceptors?.workflowModules).toEqual([WORKFLOW_SPANS_MODULE, RUN_LABELS_MODULE]);
  expect(options.interceptors?.workflowModules).not.toContain(TEMPORAL_TRACING_MODULE);
  expect(options.interceptors?.activity).toHaveLength(2);
  expect(options.interceptors?.activity?.[1]).toBe(ours);
  // Its exporter sink copies the whole WorkflowInfo onto spans; ours, identity only, replaces it.
  expect(options.sinks?.exporter).toBe(tracing.sinks.exporter);
  // The worker bundles with the modules it was configured with, and passes its plugins to the bundler too.
  const bundle = plugin.configureBundler({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: options.interceptors?.workflowModules });
  expect(bundle.workflowInterceptorModules).toEqual([...WORKFLOW_INTERCEPTOR_MODULES]);
  expect(plugin.configureBundler({} as BundleOptions).workflowInterceptorModules).toEqual([WORKFLOW_SPANS_MODULE, RUN_LABELS_MODULE]);
  // A replay worker too.
  expect(plugin.configureReplayWorker({} as Parameters<typeof plugin.configureReplayWorker>[0]).interceptors?.workflowModules).toEqual([...WORKFLOW_INTERCEPTOR_MODULES]);
  // A client: Temporal's StartWorkflow interceptor, then our labels.
  expect(plugin.configureClient({}).interceptors?.workflow).toHaveLength(2);
  expect(plugin.configureBundler({} as BundleOptions).workflowsPath).toBe(WORKFLOWS_PATH);
  expect(plugin.configureBundler({} as BundleOptions).failureConverterPath).toBe(FAILURE_CONVERTER_PATH);
});

test("the application's codecs come first and ours after; its own External Storage or failure converter is refused", () => {
  const theirs = { encode: async (p: unknown) => p, decode: async (p: unknown) => p } as unknown as PayloadCodec;
  const ours = { encode: async (p: unknown) => p, decode: async (p: unknown) => p } as unknown as PayloadCodec;
  expect(mergeDataConverter({ payloadCodecs: [theirs] }, { payloadCodecs: [ours] }).payloadCodecs).toEqual([theirs, ours]);
  expect(() => mergeDataConverter({ failureConverterPath: '/app/failures.js' }, { failureConverterPath: FAILURE_CONVERTER_PATH })).toThrow(
    "durable-agent's plugin needs its own dataConverter.failureConverterPath",
  );
  expect(() => mergeDataConverter({ externalStorage: {} as never }, { externalStorage: {} as never })).toThrow('dataConverter.externalStorage');
});

test('a client gets the converter and the run-labelling interceptors, and needs no model', async () => {
  const plugin = new DurableAgentPlugin({ store: await store(), config: undefined });
  const options = plugin.configureClient({});
  expect(options.dataConverter?.externalStorage).toBeDefined();
  expect(options.interceptors?.workflow).toHaveLength(2);
});

test('the plugin closes only a store it opened itself', async () => {
  const given = await store();
  const close = jest.spyOn(given, 'close');
  await new DurableAgentPlugin({ store: given }).close();
  expect(close).not.toHaveBeenCalled();
});
