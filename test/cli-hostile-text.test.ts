/**
 * Model text on an approver's terminal: the built CLI (`dist/cli/main.js`) shows a pending escalation whose
 * reasoning carries terminal escapes (erase line, carriage return, cursor up, backspace, a C1 CSI) and bidi
 * overrides. `show`, `trace`, `explain` and `list` print none of those raw: each appears escaped, visibly.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testAgent } from './fixtures/test-agent';
import { CLI, runCli, type CliTarget } from './helpers/cli-process';
import { uniqueId, waitForEscalation } from './helpers/runs';
import { useTestEnv } from './helpers/test-env';

const env = useTestEnv('cli-hostile-text');
let scratch: string;
beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  scratch = mkdtempSync(join(tmpdir(), 'durable-agent-hostile-'));
});
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** What a terminal obeys or what reorders text, raw: none may reach the approver's screen. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

test('show, trace, explain and list print the hostile reasoning escaped, never raw', async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'pay the invoice', { scenario: 'hostile-reasoning', correlationId: uniqueId('hostile') });
    const escalation = await waitForEscalation(run);
    // The escalation holds the raw bytes: the CLI is what must escape them.
    expect(escalation.proposedCall?.reasoning).toContain('\u001b[2K\r');
    expect(escalation.proposedCall?.reasoning).toContain('\u202e');

    const target: CliTarget = { address: env().server.address, namespace: env().server.namespace, taskQueue: env().taskQueue, scratch };
    const show = await runCli(target, ['show', run.workflowId], { timeoutMs: 60_000 });
    expect(show.stderr).toBe('');
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('pending escalation');
    expect(show.stdout).not.toMatch(RAW_CONTROL);
    expect(show.stdout).toContain('\\u001b[2K\\u000d');
    expect(show.stdout).toContain('\\u202e');
    // One "proposed" line: the model's "proposed   echo ..." stays inside the reasoning line.
    expect(show.stdout.split('\n').filter((l) => /^\s*proposed\s/.test(l))).toEqual([
      expect.stringContaining('wire_money'),
    ]);

    for (const args of [['show', run.workflowId, '--json'], ['trace', run.workflowId], ['explain', run.workflowId], ['list', '--status', 'escalated']]) {
      const result = await runCli(target, args, { timeoutMs: 60_000 });
      expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 0, stderr: '' });
      expect(result.stdout).not.toMatch(RAW_CONTROL);
    }
    const json = await runCli(target, ['show', run.workflowId, '--json'], { timeoutMs: 60_000 });
    // Escaped as JSON's own \uXXXX: the same value once parsed.
    expect(JSON.parse(json.stdout).pendingEscalation.proposedCall.reasoning).toBe(escalation.proposedCall?.reasoning);
  });
});
