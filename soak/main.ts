#!/usr/bin/env node
/**
 * `npm run soak -- --minutes N`: a chaos soak with an audit. Runs from a mix of scenarios (soak/scenarios.ts:
 * happy reads, payments, corrective retries, approvals and aborts decided by a scripted approver, model faults)
 * start at a steady rate while a worker is SIGKILLed and SIGTERMed and the dev server (persisted SQLite) is
 * restarted at random moments. Then every run is audited (soak/audit.ts): the end its scenario requires, each side
 * effect exactly once in the store and the ledger, no non-determinism, no repeated workflow-task failures; and the
 * worker that was never killed must not grow in memory. Exits 1 on any finding.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { AgentClient } from '../client/agent-client';
import { bundleAgentWorkflows } from '../workers/workflow-bundle';
import { configFromEnv, encryptionEnv } from '../common/config';
import { startScriptedModelServer } from '../scripted-model/server';
import { withPayloadEncryption } from '../stores/encrypted-store';
import { LocalBlobStore } from '../stores/local-store';
import { getFreePort } from '../temporal-config/dev-server';
import { provisionTemporalCli } from '../temporal-config/provision-cli';
import { projectRoot, TEMPORAL_NAMESPACE } from '../temporal-config/settings';
import { auditRun, type RunAudit, type StartedRun } from './audit';
import { hermeticEnv } from './hermetic-env';
import { isAlive, RestartableServer, rssOf, startWorker, stopWorker, type WorkerSlot } from './processes';
import { pickScenario, seededRandom } from './scenarios';
import { summarize, type SoakSummary } from './summary';

interface SoakOptions {
  minutes: string;
  rate: string;
  seed?: string;
  summary?: string;
}

const log = (line: string) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

/** Retries `fn` through a server restart or a worker outage, until `deadline`. */
async function persist<T>(what: string, fn: () => Promise<T>, deadline = Date.now() + 120_000): Promise<T> {
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: ${err instanceof Error ? err.message : String(err)}`);
      await sleep(500);
    }
  }
}

async function soak(opts: SoakOptions): Promise<number> {
  const minutes = Number(opts.minutes);
  const rate = Number(opts.rate);
  if (!(minutes > 0)) throw new Error(`--minutes must be a positive number, got "${opts.minutes}"`);
  if (!(rate > 0 && rate <= 20)) throw new Error(`--rate must be runs per second in (0, 20], got "${opts.rate}"`);
  // The soak's own edge: its client reads the configuration once, here; the workers it starts read theirs.
  const config = configFromEnv();
  const seed = opts.seed === undefined ? Date.now() % 1_000_000 : Number(opts.seed);
  const random = seededRandom(seed);
  log(`seed ${seed}: ${minutes} min, ${rate} runs/s`);

  const scratch = mkdtempSync(join(tmpdir(), 'durable-agent-soak-'));
  const cli = await provisionTemporalCli();
  const bundleFile = join(scratch, 'workflows.js');
  // The same bundle a deployment makes (workers/workflow-bundle.ts: the failure converter in), without the tracing modules.
  writeFileSync(bundleFile, (await bundleAgentWorkflows({ traced: false, logger: quietBundler })).code);
  const server = new RestartableServer({ dbFilename: join(scratch, 'temporal.sqlite'), port: await getFreePort(), headless: true, cliPath: cli.path });
  await server.start();
  const model = await startScriptedModelServer({ scenarioDirs: [join(projectRoot(), 'soak', 'scenarios')], maxRecordedRequests: 50 });
  const storeFile = join(scratch, 'effects.sqlite');
  const taskQueue = `soak-${seed}`;
  const dataDir = join(scratch, 'data');
  // The workers' store (DURABLE_AGENT_DATA_DIR below): the client reads what they offload.
  const store = withPayloadEncryption(await LocalBlobStore.open(join(dataDir, 'blobs')), encryptionEnv(config.encryption));
  // Its own plaintext dev server, in the default namespace, as its workers see it (hermeticEnv): whatever TLS, key or
  // namespace this shell's Temporal profile has is for another server.
  const client = await AgentClient.connect({ address: server.address, namespace: TEMPORAL_NAMESPACE, taskQueue, credentials: undefined }, { store, config });
  const env = hermeticEnv({
    TEMPORAL_ADDRESS: server.address,
    DURABLE_AGENT_TASK_QUEUE: taskQueue,
    DURABLE_AGENT_MODEL_URL: model.url,
    DURABLE_AGENT_DATA_DIR: dataDir,
    DURABLE_AGENT_WORKFLOW_BUNDLE: bundleFile,
    CRASH_DB: storeFile,
    // Tool calls hold their activity open 300 ms after the effect: a kill lands in that window now and then.
    CRASH_PAUSE_MS: '300',
    // Spans would go to the workers' stderr, which the soak only keeps for failure reports.
    DURABLE_AGENT_TRACES: 'off',
  });

  // The steady worker only sees server restarts (its memory is watched); the chaos worker is killed and restarted.
  const steady: WorkerSlot = { name: 'steady', incarnation: 0 };
  const chaotic: WorkerSlot = { name: 'chaos', incarnation: 0 };
  await Promise.all([startWorker(steady, { env }), startWorker(chaotic, { env })]);

  const faults: Record<string, number> = { 'worker SIGKILL': 0, 'worker SIGTERM': 0, 'server restart': 0, 'unexpected worker exit': 0 };
  const started: StartedRun[] = [];
  const decided = new Set<string>();
  const rss: { at: number; bytes: number }[] = [];
  const soakStart = Date.now();
  const endAt = soakStart + minutes * 60_000;
  let draining = false;
  let serverDown = false;

  const starter = (async () => {
    for (let n = 0; Date.now() < endAt; n++) {
      const scenario = pickScenario(random);
      const correlationId = `${seed}-${n}`;
      await persist('start a run', async () => {
        try {
          await client.start('crashlab', `Soak run ${n}: ${scenario.name}`, {
            correlationId,
            scenario: scenario.name,
            options: { timeouts: { modelHeartbeatMs: 3_000, modelStartToCloseMs: 12_000 } },
          });
        } catch (err) {
          // Started before a connection error hid the answer: the fixed id makes the retry safe (the client
          // refuses a reused id, running or ended, with RunAlreadyExistsError).
          if (!(err instanceof Error && err.name === 'RunAlreadyExistsError')) throw err;
        }
      });
      started.push({ workflowId: `crashlab-${correlationId}`, scenario });
      for (const [kind, count] of Object.entries(scenario.modelFaults ?? {})) faults[kind] = (faults[kind] ?? 0) + count;
      await sleep(1000 / rate);
    }
  })();

  // A scripted person: approves the wires, aborts the runs that failed their corrective retry.
  const approver = (async () => {
    while (!draining || started.some((r) => r.scenario.decision && !decided.has(r.workflowId))) {
      for (const run of started.filter((r) => r.scenario.decision && !decided.has(r.workflowId))) {
        if (serverDown) break;
        try {
          const handle = await client.run(run.workflowId);
          const pending = await Promise.race([handle.pendingEscalation(), sleep(3_000).then(() => undefined)]);
          if (pending === null && (await handle.handle.describe()).status.name !== 'RUNNING') decided.add(run.workflowId);
          if (!pending) continue;
          const decision = pending.kind === run.scenario.escalationKind ? run.scenario.decision : 'abort';
          await handle.resolve({ escalationId: pending.id, decision: decision ?? 'abort', by: 'soak-approver', text: decision === 'abort' ? 'soak: abort' : undefined });
          decided.add(run.workflowId);
        } catch {
          // A restart or a dead worker: try again on the next round.
        }
      }
      await sleep(1_000);
    }
  })();

  const chaos = (async () => {
    while (Date.now() < endAt) {
      await sleep(6_000 + random() * 10_000);
      if (Date.now() >= endAt) break;
      const dice = random();
      try {
        if (dice < 0.4) {
          faults['worker SIGKILL']!++;
          await stopWorker(chaotic, 'SIGKILL');
          await sleep(random() * 2_000);
          await startWorker(chaotic, { env });
        } else if (dice < 0.7) {
          faults['worker SIGTERM']!++;
          await stopWorker(chaotic, 'SIGTERM');
          await startWorker(chaotic, { env });
        } else {
          faults['server restart']!++;
          serverDown = true;
          await server.stop();
          await sleep(1_000 + random() * 2_000);
          await server.start();
          serverDown = false;
        }
      } catch (err) {
        log(`chaos step failed: ${err instanceof Error ? err.message : String(err)}`);
        serverDown = false;
      }
    }
  })();

  const watch = setInterval(() => {
    const bytes = rssOf(steady);
    if (bytes) rss.push({ at: Date.now() - soakStart, bytes });
    for (const slot of [steady, chaotic]) {
      // A worker that exits by itself (not by our hand) is a finding; restart it so the soak goes on.
      if (!isAlive(slot) && slot.worker && slot.worker.child.signalCode === null && !draining) {
        faults['unexpected worker exit']!++;
        log(`worker ${slot.name} exited by itself:\n${slot.worker.output().slice(-1500)}`);
        slot.worker = undefined;
        void startWorker(slot, { env }).catch(() => undefined);
      }
    }
  }, 5_000);

  await Promise.all([starter, chaos]);
  log(`load over: ${started.length} runs started; draining`);
  draining = true;
  if (!isAlive(chaotic)) await startWorker(chaotic, { env });
  const drainDeadline = Date.now() + 240_000;
  for (const run of started) {
    await persist('wait for a run to end', async () => {
      const handle = client.client.workflow.getHandle(run.workflowId);
      while ((await handle.describe()).status.name === 'RUNNING' && Date.now() < drainDeadline) await sleep(1_000);
    }, drainDeadline + 30_000).catch(() => undefined);
  }
  await approver;
  clearInterval(watch);

  const audits: RunAudit[] = [];
  for (const run of started) audits.push(await persist('audit a run', () => auditRun(client, storeFile, run)));
  const summary: SoakSummary = summarize({ seed, minutes, audits, faults, rss, wallMs: Date.now() - soakStart });

  await Promise.all([stopWorker(steady, 'SIGTERM'), stopWorker(chaotic, 'SIGTERM')]);
  await client.client.connection.close();
  await model.close();
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });

  process.stdout.write(`${summary.text}\n`);
  if (opts.summary) writeFileSync(opts.summary, `${JSON.stringify(summary.json, null, 2)}\n`);
  return summary.ok ? 0 : 1;
}

const quietBundler = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string) => process.stderr.write(`${message}\n`),
};

const program = new Command()
  .name('soak')
  .description('chaos soak with an audit: runs under worker kills and server restarts, then checks nothing was lost or done twice')
  .option('--minutes <n>', 'how long to start runs and inject faults', '2')
  .option('--rate <n>', 'runs started per second', '0.7')
  .option('--seed <n>', 'seed for the scenario mix and the chaos timing (printed; default: from the clock)')
  .option('--summary <file>', 'also write the summary as JSON to this file')
  .action(async (opts: SoakOptions) => {
    process.exitCode = await soak(opts);
  });

program.parseAsync(process.argv).then(
  () => setTimeout(() => process.exit(), 1_000).unref(),
  (err: unknown) => {
    process.stderr.write(`soak: error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
