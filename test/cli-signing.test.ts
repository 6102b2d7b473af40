/**
 * The CLI signs for the person it acts for: `keygen` makes the key pair, `resolve --key-file` signs; an agent with
 * approver keys refuses the same decision unsigned.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineAgent } from '../agents/define';
import { runCli, type CliTarget } from './helpers/cli-process';
import { executions, resetExecutions, wireMoney } from './fixtures/test-agent';
import { useTestEnv } from './helpers/test-env';
import { uniqueId, waitForEscalation } from './helpers/runs';

const env = useTestEnv('cli-signing');
beforeEach(() => resetExecutions());
const scratch = mkdtempSync(join(tmpdir(), 'durable-agent-cli-signing-'));
const target = (): CliTarget => ({ address: env().server.address, namespace: env().server.namespace, taskQueue: env().taskQueue, scratch });

test('keygen, then resolve --key-file: the signed approval is accepted, the unsigned one refused', async () => {
  const keyFile = join(scratch, 'pat.key');
  const made = await runCli(target(), ['keygen', keyFile, '--name', 'pat']);
  expect(made.code).toBe(0);
  const publicKey = /public key:\s+(\S+)/.exec(made.stdout)?.[1] as string;
  expect(publicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(statSync(keyFile).mode & 0o777).toBe(0o600);
  expect(made.stdout).not.toContain(readFileSync(keyFile, 'utf8').split('\n')[1]);
  // A second keygen never overwrites a key in use.
  const again = await runCli(target(), ['keygen', keyFile]);
  expect(again.code).not.toBe(0);
  expect(again.stderr.trim().split('\n')).toHaveLength(1);

  const agent = defineAgent({ name: 'tester', model: 'claude-test', system: 'You test.', tools: [wireMoney], approverKeys: { people: { pat: publicKey } } });
  await env().withWorker([agent], async () => {
    const run = await env().client.start('tester', 'pay acme', { scenario: 'approval', correlationId: uniqueId('cli-sign') });
    await waitForEscalation(run);
    const unsigned = await runCli(target(), ['resolve', run.workflowId, '--decision', 'approve', '--by', 'pat']);
    expect(unsigned.code).not.toBe(0);
    expect(unsigned.stderr).toMatch(/must be signed/);
    const missing = await runCli(target(), ['resolve', run.workflowId, '--decision', 'approve', '--by', 'pat', '--key-file', join(scratch, 'nope.key')]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr.trim()).toMatch(/cannot read the signing key .*nope\.key: no such file/);
    const signed = await runCli(target(), ['resolve', run.workflowId, '--decision', 'approve', '--by', 'pat', '--key-file', keyFile]);
    expect(signed.stderr).toBe('');
    expect(signed.code).toBe(0);
    await run.result();
    expect(executions.wire_money?.map((e) => e.approvedBy)).toEqual(['pat']);
  });
});
