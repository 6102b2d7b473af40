/**
 * One run that cannot be decoded does not take the operator surfaces down (issue 18). One namespace holds an
 * escalated run encrypted with key k2 and an escalated plain one (each with its own worker, on its own task queue);
 * the inbox, the CLI, the client API and the soak's audit read it without a key, with k2, and with only the old
 * key k1. Each shows every run it can decode and, for one it cannot, which run, that its payloads could not be
 * decoded, and why; a single-run command fails in one line naming the run and the cause.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from '@temporalio/worker';
import { AgentClient } from '../client/agent-client';
import { configFromEnv } from '../common/config';
import { startInboxServer, type InboxServer } from '../inbox/server';
import { auditRun } from '../soak/audit';
import { SOAK_SCENARIOS } from '../soak/scenarios';
import { createAgentWorker } from '../workers/agent-worker';
import { testAgent } from './fixtures/test-agent';
import { CLI, cliEnv, runCli, type CliResult, type CliTarget } from './helpers/cli-process';
import { uniqueId, waitForEscalation } from './helpers/runs';
import { startTestEnv, type TestEnv } from './helpers/test-env';

const K1 = randomBytes(32).toString('base64');
const K2 = randomBytes(32).toString('base64');
/** The readers: no key, the runs' key, and only the key before it. */
const NO_KEY = {};
const WITH_KEY = { DURABLE_AGENT_PAYLOAD_KEY: K2, DURABLE_AGENT_PAYLOAD_KEY_ID: 'k2' };
const OLD_KEY_ONLY = { DURABLE_AGENT_PAYLOAD_KEY: K1, DURABLE_AGENT_PAYLOAD_KEY_ID: 'k1' };

let testEnv: TestEnv | undefined;
const env = (): TestEnv => {
  if (!testEnv) throw new Error('the test environment did not start (see beforeAll)');
  return testEnv;
};
const sealedQueue = uniqueId('sealed-queue');
const workers: { worker: Worker; running: Promise<void> }[] = [];
const clients: AgentClient[] = [];
let sealedId = '';
let plainId = '';
let scratch = '';

async function reader(keys: Record<string, string>, taskQueue = env().taskQueue): Promise<AgentClient> {
  const client = await AgentClient.connect(
    { address: env().server.address, namespace: env().server.namespace, taskQueue },
    { store: env().store, config: configFromEnv(keys) },
  );
  clients.push(client);
  return client;
}

async function startWorker(keys: Record<string, string>, taskQueue: string): Promise<void> {
  const bundlePath = process.env.DURABLE_AGENT_TEST_BUNDLE;
  const worker = await createAgentWorker({
    agents: [testAgent],
    config: configFromEnv(keys),
    connection: env().server.env.nativeConnection,
    namespace: env().server.namespace,
    taskQueue,
    model: { baseURL: env().model.url },
    workflowBundle: bundlePath ? { codePath: bundlePath } : undefined,
    store: env().store,
  });
  workers.push({ worker, running: worker.run() });
}

async function eventually<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  // Not useTestEnv: this file's workers must stop before the server does.
  testEnv = await startTestEnv('undecodable');
  scratch = mkdtempSync(join(tmpdir(), 'durable-agent-undecodable-'));
  await startWorker(WITH_KEY, sealedQueue);
  await startWorker(NO_KEY, env().taskQueue);
  const sealed = await (await reader(WITH_KEY, sealedQueue)).start('tester', 'pay acme', { scenario: 'approval', correlationId: uniqueId('sealed') });
  const plain = await env().client.start('tester', 'pay acme', { scenario: 'approval', correlationId: uniqueId('plain') });
  await Promise.all([waitForEscalation(sealed), waitForEscalation(plain)]);
  sealedId = sealed.workflowId;
  plainId = plain.workflowId;
  // Visibility is eventually consistent: wait until both are listed as escalated (search attributes, no decoding).
  const service = env().client.client.workflowService;
  await eventually(
    'both runs listed as escalated',
    async () => {
      const { executions } = await service.listWorkflowExecutions({ namespace: env().server.namespace, query: `AgentStatus = 'escalated'` });
      return executions.map((e) => e.execution?.workflowId);
    },
    (ids) => ids.includes(sealedId) && ids.includes(plainId),
  );
}, 120_000);

afterAll(async () => {
  for (const { worker } of workers) worker.shutdown();
  await Promise.all(workers.map((w) => w.running.catch(() => undefined)));
  await Promise.all(clients.map((c) => c.client.connection.close()));
  await testEnv?.stop();
}, 60_000);

interface Item {
  workflowId: string;
  agent: string;
  escalation: { id: string } | null;
  undecodable?: { cause: string; detail: string; keyId?: string };
}

async function inboxRead(keys: Record<string, string>): Promise<{ status: number; runs: Item[] }> {
  const inbox: InboxServer = await startInboxServer({ client: await reader(keys), identity: { name: 'pat' } });
  try {
    const res = await fetch(`${inbox.url}/api/escalations`);
    const body = (await res.json()) as { runs?: Item[] };
    return { status: res.status, runs: body.runs ?? [] };
  } finally {
    await inbox.close();
  }
}

function byId(runs: Item[], id: string): Item {
  const found = runs.find((r) => r.workflowId === id);
  if (!found) throw new Error(`run ${id} is not listed: ${JSON.stringify(runs.map((r) => r.workflowId))}`);
  return found;
}

describe('the inbox', () => {
  test('without the key: the plain run is shown, the encrypted one is a card that says no key is configured', async () => {
    const { status, runs } = await inboxRead(NO_KEY);
    expect(status).toBe(200);
    expect(byId(runs, plainId).escalation?.id).toBeTruthy();
    const sealed = byId(runs, sealedId);
    expect(sealed.agent).toBe('tester');
    expect(sealed.escalation).toBeNull();
    expect(sealed.undecodable?.cause).toBe('no-key');
    expect(sealed.undecodable?.detail).toMatch(/encrypted and no payload key is configured/);
  });

  test('with the key: the encrypted run is shown, the plain one is a card that says unencrypted payloads are refused', async () => {
    const { status, runs } = await inboxRead(WITH_KEY);
    expect(status).toBe(200);
    expect(byId(runs, sealedId).escalation?.id).toBeTruthy();
    expect(byId(runs, plainId).undecodable?.cause).toBe('unencrypted');
  });

  test('with only the old key: the encrypted run names the key id it needs', async () => {
    const { status, runs } = await inboxRead(OLD_KEY_ONLY);
    expect(status).toBe(200);
    const sealed = byId(runs, sealedId);
    expect(sealed.undecodable).toMatchObject({ cause: 'unknown-key', keyId: 'k2' });
    expect(sealed.undecodable?.detail).toMatch(/key "k2", which is not configured here/);
    expect(byId(runs, plainId).undecodable?.cause).toBe('unencrypted');
  });

  test('durable-agent inbox started without a key says in one line that the namespace holds encrypted runs', async () => {
    const child = spawn(process.execPath, [CLI, 'inbox', '--port', '0', '--as', 'pat'], { env: cliEnv(target()), cwd: scratch });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      await eventually('the inbox to start', async () => stdout, (out) => /escalation inbox at/.test(out), 30_000);
      const lines = stderr.split('\n').filter(Boolean);
      expect(lines).toEqual([expect.stringMatching(/^durable-agent: warning: no payload key is configured .* holds encrypted runs/)]);
    } finally {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
    }
  });
});

const target = (): CliTarget => ({ address: env().server.address, namespace: env().server.namespace, taskQueue: env().taskQueue, scratch });
const cli = (args: string[], keys: Record<string, string>): Promise<CliResult> => runCli(target(), args, { env: keys, timeoutMs: 60_000 });
const WARNING = /^durable-agent: warning: no payload key is configured \(DURABLE_AGENT_PAYLOAD_KEY\) and this namespace holds encrypted runs/;

interface ListedRun {
  workflowId: string;
  status: string;
  undecodable?: { cause: string; detail: string };
}

describe('durable-agent list', () => {
  test('without the key: both runs are listed, the encrypted one as undecodable, and one warning line says why', async () => {
    const result = await cli(['list', '--json'], NO_KEY);
    expect(result.code).toBe(0);
    const runs = JSON.parse(result.stdout) as ListedRun[];
    expect(runs.find((r) => r.workflowId === plainId)?.undecodable).toBeUndefined();
    expect(runs.find((r) => r.workflowId === sealedId)).toMatchObject({ status: 'escalated', undecodable: { cause: 'no-key' } });
    const warnings = result.stderr.split('\n').filter(Boolean);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(WARNING);
  });

  test('--status escalated without the key: the plain run shows its escalation, the encrypted one a row saying why not', async () => {
    const result = await cli(['list', '--status', 'escalated'], NO_KEY);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines.find((l) => l.startsWith(plainId))).toMatch(/approval_required/);
    expect(lines.find((l) => l.startsWith(sealedId))).toMatch(/payloads could not be decoded: they are encrypted and no payload key is configured/);
  });

  test('with the key, no warning; the plain run is the undecodable one. With only the old key, the key id is named', async () => {
    const keyed = await cli(['list', '--json'], WITH_KEY);
    expect(keyed.code).toBe(0);
    expect(keyed.stderr).toBe('');
    const runs = JSON.parse(keyed.stdout) as ListedRun[];
    expect(runs.find((r) => r.workflowId === sealedId)?.undecodable).toBeUndefined();
    expect(runs.find((r) => r.workflowId === plainId)?.undecodable?.cause).toBe('unencrypted');

    const old = await cli(['list'], OLD_KEY_ONLY);
    expect(old.code).toBe(0);
    expect(old.stdout.split('\n').find((l) => l.startsWith(sealedId))).toMatch(/payloads could not be decoded: they are encrypted with key "k2"/);
    expect(old.stdout.split('\n')[0]).toMatch(/NOTE$/);
  });
});

describe('show, trace, explain, ledger of one run', () => {
  const commands = ['show', 'trace', 'explain', 'ledger'];

  test('without the key, an encrypted run: one error line naming the run and the cause, non-zero exit', async () => {
    for (const command of commands) {
      const result = await cli([command, sealedId], NO_KEY);
      expect({ command, code: result.code, stdout: result.stdout }).toEqual({ command, code: 1, stdout: '' });
      const lines = result.stderr.split('\n').filter(Boolean);
      expect({ command, lines }).toEqual({
        command,
        lines: [
          expect.stringMatching(WARNING),
          `durable-agent: error: run "${sealedId}": its payloads could not be decoded: they are encrypted and no payload key is configured here (set DURABLE_AGENT_PAYLOAD_KEY)`,
        ],
      });
    }
  });

  test('without the key, the plain run reads as before (after the one warning line)', async () => {
    for (const command of commands) {
      const result = await cli([command, plainId], NO_KEY);
      expect({ command, code: result.code }).toEqual({ command, code: 0 });
      expect(result.stderr.split('\n').filter(Boolean)).toEqual([expect.stringMatching(WARNING)]);
    }
    expect((await cli(['show', plainId], NO_KEY)).stdout).toMatch(/pending escalation/);
  });

  test('with only the old key, the error names the key id; with the key, the plain run is refused as unencrypted', async () => {
    for (const command of commands) {
      const old = await cli([command, sealedId], OLD_KEY_ONLY);
      expect(old.code).toBe(1);
      expect(old.stderr).toBe(
        `durable-agent: error: run "${sealedId}": its payloads could not be decoded: they are encrypted with key "k2", which is not configured here (add it to DURABLE_AGENT_PAYLOAD_OLD_KEYS)\n`,
      );
      const plain = await cli([command, plainId], WITH_KEY);
      expect(plain.code).toBe(1);
      expect(plain.stderr).toMatch(new RegExp(`^durable-agent: error: run "${plainId}": its payloads could not be decoded: they are not encrypted, and with a payload key configured unencrypted payloads are refused`));
      expect(plain.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    }
    const keyed = await cli(['show', sealedId], WITH_KEY);
    expect(keyed.code).toBe(0);
    expect(keyed.stdout).toMatch(/pending escalation/);
  });
});

describe('the client API and the soak audit', () => {
  test('list() gives every run and says which cannot be decoded; a read of that run throws UndecodableRunError', async () => {
    const plain = await reader(NO_KEY);
    const runs = await plain.list({ status: 'escalated' });
    expect(runs.find((r) => r.workflowId === plainId)?.undecodable).toBeUndefined();
    expect(runs.find((r) => r.workflowId === sealedId)?.undecodable?.cause).toBe('no-key');
    const run = await plain.run(sealedId);
    const err = await run.trace().then(
      () => undefined,
      (e: unknown) => e as { name: string; message: string; undecodable?: { cause: string } },
    );
    expect(err?.name).toBe('UndecodableRunError');
    expect(err?.undecodable?.cause).toBe('no-key');
    expect(err?.message).toContain(sealedId);
    expect(await plain.holdsEncryptedRuns()).toBe(true);
  });

  test("the soak's audit reports an undecodable run as a finding instead of stopping", async () => {
    const scenario = SOAK_SCENARIOS[0];
    if (!scenario) throw new Error('no soak scenario');
    const audit = await auditRun(await reader(OLD_KEY_ONLY), join(scratch, 'no-store.sqlite'), { workflowId: sealedId, scenario });
    expect(audit.status).toBe('undecodable');
    expect(audit.findings).toEqual([expect.stringMatching(/payloads could not be decoded: they are encrypted with key "k2"/)]);
  });
});
