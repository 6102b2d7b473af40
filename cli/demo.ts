/**
 * `durable-agent demo`: one scripted run of the ops agent that shows the whole loop. The model sends a date the
 * booking tool refuses, corrects it from the structured error, then proposes an irreversible refund, which waits
 * for a person; the demo plays that person and approves. It starts whatever is missing: a Temporal dev server,
 * the scripted model server, and a worker on a private task queue (so no other worker picks up its run).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { AgentClient, type AgentRun } from '../client/agent-client';
import { runUrl } from '../client/config';
import type { ConnectionSettings, DurableAgentConfig } from '../common/config';
import type { Escalation } from '../common/escalation';
import type { AgentRunResult } from '../common/run';
import { eventsOfKind, type TraceEvent } from '../common/trace';
import { whatHappened } from '../common/trace-text';
import { exampleScenarioDirs } from '../examples';
import { createOpsAgent } from '../examples/ops-agent/agent';
import { OpsStore, type Refund } from '../examples/ops-agent/store';
import { startScriptedModelServer } from '../scripted-model/server';
import { probeTemporal } from '../connection/client-connection';
import { openWorkerConnection } from '../connection/worker-connection';
import { startDevServer } from '../temporal-config/dev-server';
import { DEFAULT_FRONTEND_PORT, defaultDbFilename } from '../temporal-config/settings';
import { createAgentWorker } from '../workers/agent-worker';
import { findTemporalCli, portOf, uiPortFor } from './commands/server';
import { NO_UI_LINK, uiBase } from './ui-link';
import { workflowBundle } from './commands/worker';
import { connectionError } from './connect';
import { CliError, EXIT_FAILURE, EXIT_OK } from './errors';
import { escalationView, print, printError, printJson, timeline } from './output';
import { waitForOutcome } from './wait';
import { startInboxServer } from '../inbox/server';

export const DEMO_AGENT = 'ops';
export const DEMO_SCENARIO = 'demo';
export const DEMO_OPERATOR = 'demo-operator';
export const DEMO_PROMPT =
  'Ana (ana@example.com) says her teapot from order ord_1001 arrived broken. ' +
  'Book a callback next Tuesday at 3pm and refund the order.';
/** Generous: the first run on a fresh server also waits for the worker's first poll. */
const STEP_TIMEOUT_MS = 60_000;

export interface DemoOptions {
  json: boolean;
  ephemeral: boolean;
  settings: ConnectionSettings;
  /** The CLI's configuration (common/config.ts); the demo replaces its data directory with its own. */
  config: DurableAgentConfig;
  /** Instead of approving itself, serve the escalation inbox and wait for this person to decide there. */
  inboxAs?: string;
  /** The inbox's port (0: a free one). */
  inboxPort?: number;
}

/** What `demo --json` prints, and nothing else. */
export interface DemoReport {
  workflowId: string;
  runId: string;
  status: string;
  uiUrl: string | null;
  events: TraceEvent[];
}

type Cleanup = () => Promise<void> | void;

/** Runs the demo; resolves to the exit code (0 when the run completed). */
export async function runDemo(opts: DemoOptions): Promise<number> {
  const say = opts.json ? (_line?: string) => undefined : print;
  const progress = opts.json ? (_line: string) => undefined : (line: string) => printError(line);
  const cleanups: Cleanup[] = [];
  // The worker's Rust core and bundler log through this; the demo's own output is the story.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  // The Temporal runtime shuts the worker down on Ctrl-C; we only note it, to say so instead of the SDK's error.
  let interrupted: NodeJS.Signals | undefined;
  let workerRunning = false;
  const cleanUp = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch {
        // Best effort: one failed cleanup must not skip the others (an ephemeral server must still stop).
      }
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted ??= signal;
    // Before the worker runs, nothing else ends the demo on Ctrl-C (the runtime's handler only stops workers).
    if (!workerRunning) {
      void cleanUp().finally(() => {
        process.stderr.write(`durable-agent: error: interrupted (${signal}); stopped what the demo had started\n`);
        process.exit(130);
      });
    }
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  try {
    say('durable-agent demo: the ops agent on a scripted model. It sends a date the booking tool refuses, corrects');
    say('it from the structured error, then proposes an irreversible refund, which waits for a person to approve it.');
    say();
    say('setup');

    const correlationId = `demo-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    // The example store opens lazily in the worker; the directory must be chosen before it does.
    const dataDir = opts.ephemeral
      ? mkdtempSync(join(tmpdir(), 'durable-agent-demo-'))
      : join(dirname(defaultDbFilename()), 'demo', correlationId);
    if (opts.ephemeral) cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    // The example agent's store, chosen here and handed to the agent (never through this process's environment).
    const storePath = join(dataDir, 'ops.sqlite');
    const config: DurableAgentConfig = {
      ...opts.config,
      store: opts.config.store.kind === 'default' ? { kind: 'default', dataDir } : opts.config.store,
    };

    const temporal = await ensureTemporal(opts, say, progress, cleanups);
    const settings: ConnectionSettings = {
      ...opts.settings,
      address: temporal.address,
      namespace: temporal.namespace,
      taskQueue: `demo-${randomBytes(4).toString('hex')}`,
      uiUrl: temporal.uiUrl ?? opts.settings.uiUrl,
      // A dev server the demo started is plaintext on loopback: the configured TLS and key are for another server.
      credentials: temporal.started ? undefined : opts.settings.credentials,
    };

    const model = await startScriptedModelServer({ scenarioDirs: exampleScenarioDirs });
    cleanups.push(() => model.close());
    say(`  model     scripted model server at ${model.url}, scenario "${DEMO_SCENARIO}"`);

    const connection = await openWorkerConnection(settings);
    cleanups.push(() => connection.close());
    progress('preparing the worker (bundling the workflow code)...');
    const worker = await createAgentWorker({
      agents: [createOpsAgent({ storePath })],
      config,
      connection,
      namespace: settings.namespace,
      taskQueue: settings.taskQueue,
      // A placeholder key: a real ANTHROPIC_API_KEY in the environment is never sent to the scripted server.
      model: { baseURL: model.url, apiKey: 'scripted-model-needs-no-key' },
      workflowBundle: workflowBundle(config),
    });
    say(`  worker    in this process, on the private task queue "${settings.taskQueue}"`);
    say(`  store     ${storePath}${opts.ephemeral ? ' (temporary)' : ''}`);
    say();

    const client = await AgentClient.connect(settings, { config });
    cleanups.push(() => client.client.connection.close());

    workerRunning = true;
    const played = await worker.runUntil(() => playScenario(client, settings, correlationId, say, { ...opts, announce: opts.json ? progress : say, uiBase: temporal.uiUrl ?? null }));
    const { run, result, escalation } = played;
    const uiUrl = temporal.uiUrl ? runUrl(settings, run.workflowId, await run.runId()) : null;

    if (opts.json) {
      const report: DemoReport = {
        workflowId: run.workflowId,
        runId: result.runId,
        status: result.status,
        uiUrl,
        events: result.trace,
      };
      printJson(report);
      return result.status === 'completed' ? EXIT_OK : EXIT_FAILURE;
    }

    say(`timeline (durable-agent trace ${run.workflowId})`);
    say(timeline(result.trace));
    say();
    const highlights = whatHappened(result.trace);
    if (highlights.length > 0) {
      say('what happened');
      highlights.forEach((h, i) => say(`  ${i + 1}. ${h}`));
      say();
    }
    say(result.status === 'completed' ? 'final text' : `the run ended ${result.status}`);
    say(`  ${result.text}`);
    say();
    const refund = readRefund(storePath, result.trace, escalation);
    say(`proof: the refund row, read back from ${storePath}`);
    say(
      refund
        ? `  refund #${refund.id}: order ${refund.orderId}, ${refund.amountCents} cents, "${refund.reason}", approved by ${refund.approvedBy ?? '(nobody)'}`
        : '  (no refund row: the refund did not run)',
    );
    say();
    say(`status  ${result.status}`);
    say(`ui      ${uiUrl ?? (temporal.started ? '(none: the server is headless)' : NO_UI_LINK)}`);
    if (temporal.note) say(`        ${temporal.note}`);
    return result.status === 'completed' ? EXIT_OK : EXIT_FAILURE;
  } catch (err) {
    if (interrupted) throw new CliError(`interrupted (${interrupted}); stopped what the demo had started`, 130);
    throw err;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    await cleanUp();
  }
}

interface Temporal {
  address: string;
  namespace: string;
  /** A dev server the demo started (no TLS, no key), rather than the configured one. */
  started: boolean;
  uiUrl?: string;
  /** Said next to the UI link at the end. */
  note?: string;
}

/** Uses the configured server if one answers; otherwise starts one (persistent and detached, or ephemeral). */
async function ensureTemporal(
  opts: DemoOptions,
  say: (line?: string) => void,
  progress: (line: string) => void,
  cleanups: Cleanup[],
): Promise<Temporal> {
  const cliPath = () => findTemporalCli(progress);
  if (opts.ephemeral) {
    progress('starting a private in-memory Temporal dev server...');
    // A UI on a free port too, so the printed link works while the demo runs.
    const server = await startDevServer({ cliPath: await cliPath() });
    cleanups.push(() => server.stop());
    say(`  temporal  private in-memory dev server at ${server.address} (--ephemeral: stopped when the demo ends)`);
    return {
      address: server.address,
      namespace: server.namespace,
      started: true,
      uiUrl: server.uiUrl,
      note: '(--ephemeral: this server, and the run with it, is gone once the demo ends; run `durable-agent demo` to keep it)',
    };
  }
  const { address, namespace } = opts.settings;
  const failure = await probeTemporal(opts.settings, 3_000);
  if (!failure) {
    // Where this server's UI is, by the same rule as every other command's links (cli/ui-link.ts).
    const uiUrl = await uiBase(opts.settings);
    say(`  temporal  the dev server already running at ${address}`);
    return { address, namespace, started: false, uiUrl };
  }
  // A server that answers but refuses (TLS, credentials, namespace) is misconfigured, not missing: say so, start nothing.
  if (failure.kind !== 'unreachable') throw connectionError(failure, opts.settings);
  const port = portOf(address) ?? DEFAULT_FRONTEND_PORT;
  progress(`no Temporal server at ${address}; starting one (data: ${defaultDbFilename()})...`);
  const server = await startDevServer({
    port,
    uiPort: uiPortFor(port),
    dbFilename: defaultDbFilename(),
    detached: true,
    namespace,
    cliPath: await cliPath(),
  });
  say(`  temporal  started a dev server at ${server.address} (pid ${server.pid}), left running for the UI`);
  return {
    address: server.address,
    namespace: server.namespace,
    started: true,
    uiUrl: server.uiUrl,
    note: 'the dev server keeps running so the link works; stop it with: durable-agent server --stop',
  };
}

interface Played {
  run: AgentRun;
  result: AgentRunResult;
  escalation?: Escalation;
}

/**
 * Starts the run, shows the escalation as the person sees it, has it decided (by the demo, or by a person in the
 * inbox), and waits for the end.
 */
async function playScenario(
  client: AgentClient,
  settings: ConnectionSettings,
  correlationId: string,
  say: (line?: string) => void,
  // `announce` reaches the person even under --json (on stderr): the inbox link must be seen to be used.
  // `uiBase`: the server's Web UI, null when nothing says where it is (then no link, rather than a guessed one).
  opts: Pick<DemoOptions, 'inboxAs' | 'inboxPort'> & { announce: (line: string) => void; uiBase: string | null },
): Promise<Played> {
  const run = await client.start(DEMO_AGENT, DEMO_PROMPT, { correlationId, scenario: DEMO_SCENARIO });
  say(`run ${run.workflowId}`);
  say(`  prompt    ${DEMO_PROMPT}`);
  say(`  ui        ${opts.uiBase === null ? NO_UI_LINK : runUrl({ namespace: settings.namespace, uiUrl: opts.uiBase }, run.workflowId, await run.runId())}`);
  say();

  const first = await waitForOutcome(run, { timeoutMs: STEP_TIMEOUT_MS });
  if (first.kind === 'closed') return { run, result: first.result };
  const escalation = first.escalation;
  say('escalation: the run has stopped and waits for a person (what they see)');
  say(escalationView(escalation, { workflowId: run.workflowId }));
  say();
  if (!escalation.allowedDecisions.includes('approve')) {
    throw new CliError(
      `the demo expected an approval request, got a "${escalation.kind}" escalation: ${escalation.reason}`,
    );
  }
  if (opts.inboxAs) {
    await decideInInbox(client, run, escalation, { as: opts.inboxAs, port: opts.inboxPort ?? DEMO_INBOX_PORT, uiUrl: opts.uiBase }, opts.announce);
  } else {
    say(`the demo now plays that person: approving as "${DEMO_OPERATOR}"`);
    say(`  (by hand: durable-agent resolve ${run.workflowId} --decision approve --by ${DEMO_OPERATOR})`);
    const outcome = await run.resolve({ escalationId: escalation.id, decision: 'approve', by: DEMO_OPERATOR });
    say(`  resolved: ${outcome.note} (accepted)`);
    say();
  }

  const second = await waitForOutcome(run, { timeoutMs: STEP_TIMEOUT_MS });
  if (second.kind === 'escalated') {
    // Not part of the script: end the run rather than leave it waiting on a person who is not coming.
    await run.resolve({
      escalationId: second.escalation.id,
      decision: 'abort',
      by: DEMO_OPERATOR,
      text: 'unexpected escalation in the demo',
    });
    return { run, result: await run.result(), escalation };
  }
  return { run, result: second.result, escalation };
}

export const DEMO_INBOX_PORT = 8234;

/** Serves the inbox and waits until a person has decided the escalation there (or from the CLI). */
async function decideInInbox(
  client: AgentClient,
  run: AgentRun,
  escalation: Escalation,
  { as, port, uiUrl }: { as: string; port: number; uiUrl: string | null },
  say: (line: string) => void,
): Promise<void> {
  const identity = { name: as };
  const inbox = await startInboxServer({ client, identity, port, uiUrl }).catch(async (err: NodeJS.ErrnoException) => {
    // The usual port is taken (another inbox is open): any free one will do for the demo.
    if (err.code === 'EADDRINUSE') return startInboxServer({ client, identity, port: 0, uiUrl });
    throw err;
  });
  try {
    say(`the run now waits for you: open the escalation inbox and decide, as "${as}"`);
    say(`  inbox     ${inbox.url}`);
    say(`  (or: durable-agent resolve ${run.workflowId} --decision approve --by ${as})`);
    for (;;) {
      const pending = await run.pendingEscalation();
      if (pending?.id !== escalation.id) break;
      await sleep(500);
    }
    const decided = eventsOfKind(await run.trace(), 'resolution').filter((e) => e.accepted).at(-1);
    if (decided) say(`  decided: ${decided.resolution.decision} by ${decided.resolution.by}\n`);
  } finally {
    await inbox.close();
  }
}

/** The refund the approved call made, read from the store itself (not from the trace): proof it happened once. */
function readRefund(storePath: string, trace: TraceEvent[], escalation: Escalation | undefined): Refund | undefined {
  const ran = trace.find(
    (e): e is Extract<TraceEvent, { kind: 'tool_result' }> =>
      e.kind === 'tool_result' && e.toolUseId === escalation?.proposedCall?.toolUseId,
  );
  const refundId = (ran?.result as { refundId?: unknown } | undefined)?.refundId;
  if (typeof refundId !== 'number') return undefined;
  const store = new OpsStore(storePath);
  try {
    return store.refunds().find((r) => r.id === refundId);
  } finally {
    store.close();
  }
}
