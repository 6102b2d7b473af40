/**
 * `durable-agent/worker`: what a worker process needs. The plugin for a worker the application builds itself, the
 * worker factory for one durable-agent builds, tracing, the blob stores, payload encryption and the codec server.
 */
export { DurableAgentPlugin, PLUGIN_NAME, type DurableAgentPluginOptions } from './workers/plugin';
export { createAgentWorker, type AgentWorkerOptions } from './workers/agent-worker';
export type { ModelClientOptions } from './workers/model-client';
export { startTracing, type Tracing, type TracingOptions, type WorkerTracing } from './workers/tracing';
export { createJsonLogger, type JsonLoggerOptions } from './workers/json-logger';
export { bundleAgentWorkflows, SILENT_SINKS } from './workers/workflow-bundle';
export type { BlobStore } from './stores/blob-store';
export { openBlobStore, storeConfigFrom, storeConfigFromEnv, type StoreConfig } from './stores/config';
export { withPayloadEncryption } from './stores/encrypted-store';
export { payloadCodecs } from './data-converter/keys-from-env';
export { startCodecServer, type CodecServer, type CodecServerOptions } from './codec-server/server';
