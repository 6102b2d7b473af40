/**
 * The chaos soak, short: `npm run soak -- --minutes 2` as CI runs it. Runs start under worker SIGKILLs and SIGTERMs
 * and dev server restarts; the soak's own audit must find nothing lost, nothing done twice, no non-determinism,
 * and a flat worker memory (soak/main.ts). A 30-minute run's figures are in docs/reliability.md.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SOAK = join(__dirname, '..', 'dist', 'soak', 'main.js');
const MINUTES = Number(process.env.SOAK_MINUTES || 2);

test(`a ${MINUTES}-minute chaos soak loses no run and duplicates no side effect`, async () => {
  const summaryFile = join(mkdtempSync(join(tmpdir(), 'durable-agent-soak-test-')), 'summary.json');
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [SOAK, '--minutes', String(MINUTES), '--summary', summaryFile], { timeout: (MINUTES * 60 + 420) * 1000, maxBuffer: 8 * 1024 * 1024 }, (err, out, errOut) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout: out, stderr: errOut }),
    );
  });
  console.log(stdout);
  if (code !== 0) console.log(stderr.slice(-4000));
  const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as {
    ok: boolean;
    runs: number;
    lost: number;
    duplicates: number;
    findings: unknown[];
    faults: Record<string, number>;
  };
  expect(summary.lost).toBe(0);
  expect(summary.duplicates).toBe(0);
  expect(summary.findings).toEqual([]);
  // It really was a soak under faults, not an idle run.
  expect(summary.runs).toBeGreaterThan(MINUTES * 30);
  expect(summary.faults['worker SIGKILL']! + summary.faults['worker SIGTERM']! + summary.faults['server restart']!).toBeGreaterThan(MINUTES * 2);
  expect(summary.ok).toBe(true);
  expect(code).toBe(0);
}, (MINUTES * 60 + 480) * 1000);
