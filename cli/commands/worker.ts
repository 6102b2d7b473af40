/**
 * `durable-agent worker`: polls the task queue for the agent workflow and every agent's activities. Without an
 * API key (and no DURABLE_AGENT_MODEL_URL) it talks to a scripted model server it starts in this process.
 */
import { CliError } from '../errors';
import { numberOption } from '../numbers';
import { Command, Option } from 'commander';
import type { LogLevel, NativeConnection, WorkflowBundleOption } from '@temporalio/worker';
import { exampleScenarioDirs } from '../../examples';
import { startScriptedModelServer } from '../../scripted-model/server';
import type { DurableAgentConfig } from '../../common/config';
import type { TemporalConnectionError } from '../../connection/connect-failure';
import { isHostPort } from '../../common/port';
import { WORKER_DEFAULTS } from '../../common/defaults';
import { describeTraceDestination, type TraceDestination } from '../../common/trace-destination';
import { chooseModel, describeModelChoice, type ModelClientOptions } from '../../workers/model-client';
import { prometheusMetrics } from '../../workers/prometheus';
import { loadAgents } from '../agents';
import { cliConfig, connectionError, ensureTemporalAnswers, globalOptions, settingsFrom } from '../connect';
import { print } from '../output';

/** A prebuilt workflow bundle (from `bundleWorkflowCode`): skips bundling at start, as production deployments do. */
export const WORKFLOW_BUNDLE_ENV = 'DURABLE_AGENT_WORKFLOW_BUNDLE';

export function workflowBundle(config: DurableAgentConfig = cliConfig()): WorkflowBundleOption | undefined {
  const codePath = config.worker.workflowBundle;
  return codePath ? { codePath } : undefined;
}

export interface ChosenModel {
  options?: ModelClientOptions;
  /** One line for the person starting the worker; never includes the key. */
  description: string;
  close(): Promise<void>;
}

/** The configured model (workers/model-client.ts decides), or, when none is, a scripted server started here. */
export async function modelForWorker(config: DurableAgentConfig): Promise<ChosenModel> {
  const choice = chooseModel(config.model);
  if (choice.kind !== 'none') return { description: describeModelChoice(choice), close: async () => undefined };
  const server = await startScriptedModelServer({ scenarioDirs: exampleScenarioDirs });
  return {
    options: { baseURL: server.url },
    description: `scripted model server in this process at ${server.url} (no ANTHROPIC_API_KEY set; runs need --scenario)`,
    close: () => server.close(),
  };
}

interface WorkerCommandOptions {
  logLevel: LogLevel;
  logFormat: 'json' | 'text';
  metrics?: string;
  shutdownGrace: string;
  traces: boolean;
  deploymentName?: string;
  buildId?: string;
  versioningBehavior?: 'auto-upgrade' | 'pinned';
}

/** `--deployment-name` and `--build-id` go together; a behaviour needs them. One line when they do not. */
export function deploymentFrom(opts: Pick<WorkerCommandOptions, 'deploymentName' | 'buildId' | 'versioningBehavior'>): {
  deployment?: { name: string; buildId: string };
  versioningBehavior?: 'AUTO_UPGRADE' | 'PINNED';
} {
  const { deploymentName: name, buildId, versioningBehavior } = opts;
  if (!name && !buildId) {
    if (versioningBehavior) throw new CliError('--versioning-behavior needs --deployment-name and --build-id', 2);
    return {};
  }
  if (!name?.trim() || !buildId?.trim()) throw new CliError('--deployment-name and --build-id go together (Worker Versioning needs both)', 2);
  return { deployment: { name, buildId }, versioningBehavior: versioningBehavior === 'pinned' ? 'PINNED' : 'AUTO_UPGRADE' };
}

export function workerCommand(): Command {
  return new Command('worker')
    .description("run a worker for the agent workflow and the agents' tools (Ctrl-C stops it gracefully)")
    .addOption(
      new Option('--log-level <level>', 'worker log level (the SDK logs to stderr)')
        .choices(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'])
        .default('WARN'),
    )
    .addOption(
      new Option('--log-format <format>', 'json: one JSON object per line with correlation id, workflow id, step, redacted (DURABLE_AGENT_LOG_REDACT); text: the SDK default')
        .choices(['json', 'text'])
        .default('json'),
    )
    .option(
      '--shutdown-grace <seconds>',
      'on SIGTERM/Ctrl-C, how long in-flight model and tool calls may finish before they are cancelled',
      String(WORKER_DEFAULTS.shutdownGraceTimeMs / 1000),
    )
    .option('--metrics <host:port>', 'serve Prometheus metrics (the runtime\'s and durable_agent_* counters) at http://<host:port>/metrics (env DURABLE_AGENT_METRICS)')
    .option(
      '--no-traces',
      'export no OpenTelemetry spans (env DURABLE_AGENT_TRACES=off); by default they go over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, else as JSON lines on stderr',
    )
    .option('--deployment-name <name>', 'Worker Versioning: the Worker Deployment this worker belongs to (with --build-id)')
    .option('--build-id <id>', 'Worker Versioning: this worker\'s build (with --deployment-name); the server routes it the tasks of its version')
    .addOption(
      new Option('--versioning-behavior <behavior>', 'with --build-id: auto-upgrade (runs move to the current build; new behaviour behind patched()) or pinned (each run stays on its build)')
        .choices(['auto-upgrade', 'pinned']),
    )
    .action(async (opts: WorkerCommandOptions, command: Command) => {
      const deployment = deploymentFrom(opts);
      const graceSeconds = numberOption('--shutdown-grace', opts.shutdownGrace, { min: 0, max: 3600, what: 'a number of seconds from 0 to 3600' });
      const config = cliConfig();
      const metrics = opts.metrics ?? config.worker.metrics;
      if (metrics !== undefined && !isHostPort(metrics)) throw new CliError(`--metrics must be host:port (got "${metrics}")`);
      const traces: TraceDestination = opts.traces === false ? { kind: 'off', reason: '--no-traces' } : config.traces;
      const loaded = await loadAgents(globalOptions(command).agents ?? config.worker.agentsModule);
      const settings = settingsFrom(command);
      await ensureTemporalAnswers(settings);
      // Loaded here, not at the top: the worker SDK (native bridge, bundler) slows every other command's start.
      const { DefaultLogger, Runtime } = await import('@temporalio/worker');
      // Before any connection: the runtime is created once, with its logger, on first use.
      const { createJsonLogger } = await import('../../workers/json-logger');
      // JSON lines go to stderr, like the SDK's own logs: stdout stays for the CLI's one-block status.
      const { default: pino } = await import('pino');
      const logger =
        opts.logFormat === 'json'
          ? createJsonLogger({ level: opts.logLevel, destination: pino.destination(2), redact: config.worker.logRedact })
          : new DefaultLogger(opts.logLevel);
      Runtime.install({
        logger,
        ...(metrics ? { telemetryOptions: { metrics: prometheusMetrics(metrics) } } : {}),
      });
      const { createAgentWorker } = await import('../../workers/agent-worker');
      // Before the worker exists: the provider is registered globally, and activity spans need its context manager.
      const tracing = traces.kind === 'off' ? undefined : (await import('../../workers/tracing')).startTracing({ destination: traces });
      const model = await modelForWorker(config);
      let connection: NativeConnection | undefined;
      try {
        const { openWorkerConnection } = await import('../../connection/worker-connection');
        connection = await openWorkerConnection(settings).catch((err: Error) => {
          throw err.name === 'TemporalConnectionError' ? connectionError(err as TemporalConnectionError, settings) : err;
        });
        const worker = await createAgentWorker({
          agents: loaded.agents,
          config,
          connection,
          namespace: settings.namespace,
          taskQueue: settings.taskQueue,
          model: model.options,
          workflowBundle: workflowBundle(config),
          shutdownGraceTimeMs: Math.round(graceSeconds * 1000),
          tracing: tracing?.worker,
          ...deployment,
        });
        // One write, so a script waiting for "worker polling" sees the whole block.
        print(
          [
            // The credentials say only what is set (TLS, API key), never a value.
            `worker polling task queue "${settings.taskQueue}" at ${settings.address} (namespace ${settings.namespace}${settings.credentials ? `, ${settings.credentials.describe()}` : ''})`,
            `  agents  ${loaded.registry.names().join(', ')} (from ${loaded.source})`,
            `  model   ${model.description}`,
            `  traces  ${describeTraceDestination(traces)}`,
            ...(deployment.deployment ? [`  build   ${deployment.deployment.buildId} of deployment ${deployment.deployment.name} (${deployment.versioningBehavior})`] : []),
          ].join('\n'),
        );
        // The Temporal runtime turns SIGINT/SIGTERM into a graceful shutdown: run() resolves once in-flight tasks end.
        await worker.run();
        print('worker stopped');
      } finally {
        // Spans still batched (OTLP) are sent before the process ends.
        await tracing?.shutdown().catch(() => undefined);
        await connection?.close().catch(() => undefined);
        await model.close().catch(() => undefined);
      }
    });
}
