/** The soak's verdict: counts, faults by kind, run times, memory, and every finding, as text and as JSON. */
import type { RunAudit } from './audit';

export interface SoakSummary {
  ok: boolean;
  text: string;
  json: Record<string, unknown>;
}

interface SummaryInput {
  seed: number;
  minutes: number;
  audits: RunAudit[];
  faults: Record<string, number>;
  rss: { at: number; bytes: number }[];
  wallMs: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/**
 * Memory is flat when the steady worker's resident size at the end (median of the last quarter of samples) is
 * within 1.5× of where it settled (median of the first quarter after a 30 s warm-up), or grew less than 64 MB.
 */
function memoryVerdict(rss: SummaryInput['rss']): { flat: boolean; text: string; startBytes: number; endBytes: number } {
  const settled = rss.filter((s) => s.at >= 30_000);
  const samples = settled.length >= 8 ? settled : rss;
  const quarter = Math.max(1, Math.floor(samples.length / 4));
  const startBytes = median(samples.slice(0, quarter).map((s) => s.bytes));
  const endBytes = median(samples.slice(-quarter).map((s) => s.bytes));
  const flat = endBytes <= startBytes * 1.5 || endBytes - startBytes < 64 * 1024 * 1024;
  return { flat, startBytes, endBytes, text: `steady worker RSS ${mb(startBytes)} → ${mb(endBytes)} (${samples.length} samples)${flat ? ', flat' : ', GROWING'}` };
}

export function summarize(input: SummaryInput): SoakSummary {
  const { audits } = input;
  const byScenario = new Map<string, { runs: number; asExpected: number }>();
  for (const a of audits) {
    const s = byScenario.get(a.scenario) ?? { runs: 0, asExpected: 0 };
    s.runs++;
    if (a.findings.length === 0) s.asExpected++;
    byScenario.set(a.scenario, s);
  }
  const lost = audits.filter((a) => a.findings.some((f) => /^ended |still running/.test(f))).length;
  const duplicates = audits.reduce((n, a) => n + a.duplicates, 0);
  const withFindings = audits.filter((a) => a.findings.length > 0);
  const durations = audits.map((a) => a.durationMs).filter((d): d is number => d !== undefined).sort((a, b) => a - b);
  const retried: Record<string, number> = {};
  for (const a of audits) for (const why of a.retriedBecause) retried[why] = (retried[why] ?? 0) + 1;
  const memory = memoryVerdict(input.rss);
  const escalatedAsExpected = audits.filter((a) => ['soak-approval', 'soak-abort'].includes(a.scenario) && a.findings.length === 0).length;
  const completed = audits.filter((a) => a.status === 'completed').length;
  const ok = withFindings.length === 0 && lost === 0 && duplicates === 0 && memory.flat;

  const lines = [
    `soak summary (seed ${input.seed}, ${input.minutes} min of load, ${(input.wallMs / 1000).toFixed(0)} s in all)`,
    `  runs started                 ${audits.length}`,
    `  completed                    ${completed}`,
    `  escalated, decided as meant  ${escalatedAsExpected}`,
    `  lost                         ${lost}`,
    `  duplicated side effects      ${duplicates}`,
    `  other findings               ${withFindings.length - lost}`,
    `  faults injected              ${Object.entries(input.faults).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `  last failure before a retry  ${Object.entries(retried).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`,
    `  run time p50 / p99           ${(percentile(durations, 50) / 1000).toFixed(1)} s / ${(percentile(durations, 99) / 1000).toFixed(1)} s`,
    `  memory                       ${memory.text}`,
    `  by scenario                  ${[...byScenario].map(([k, v]) => `${k} ${v.asExpected}/${v.runs}`).join(', ')}`,
  ];
  for (const a of withFindings.slice(0, 20)) lines.push(`  FINDING ${a.workflowId} (${a.scenario}, ${a.status}): ${a.findings.join('; ')}`);
  lines.push(ok ? 'soak: PASS' : 'soak: FAIL');
  return {
    ok,
    text: lines.join('\n'),
    json: {
      ok,
      seed: input.seed,
      minutes: input.minutes,
      runs: audits.length,
      completed,
      escalatedAsExpected,
      lost,
      duplicates,
      findings: withFindings.map((a) => ({ workflowId: a.workflowId, scenario: a.scenario, status: a.status, findings: a.findings })),
      faults: input.faults,
      retried,
      runTimeMs: { p50: percentile(durations, 50), p99: percentile(durations, 99) },
      memory: { startBytes: memory.startBytes, endBytes: memory.endBytes, flat: memory.flat },
      byScenario: Object.fromEntries(byScenario),
    },
  };
}
