/**
 * After the chaos: every run is read back from Temporal (its result and its history) and from the store the tools
 * wrote, and checked against what its scenario must leave behind.
 */
import Database from 'better-sqlite3';
import type { AgentClient } from '../client/agent-client';
import { classifyUndecodable } from '../client/undecodable';
import type { SoakScenario } from './scenarios';

export interface StartedRun {
  workflowId: string;
  scenario: SoakScenario;
}

export interface RunAudit {
  workflowId: string;
  scenario: string;
  status: string;
  /** Problems found; empty for a run that ended as its scenario requires. */
  findings: string[];
  durationMs?: number;
  /**
   * Activities that needed more than one attempt, by what ended the attempt before their last (the history keeps
   * only the final attempt's number and the failure just before it).
   */
  retriedBecause: string[];
  duplicates: number;
}

interface EffectRow {
  idempotencyKey: string;
  tool: string;
  approvedBy: string | null;
}

/** TimeoutType in Temporal's API. */
const SCHEDULE_TO_START = 2;

/**
 * Audits one run. A run whose payloads this process cannot decode (client/undecodable.ts) is one finding, with
 * status `undecodable` and the cause, not an error that stops the audit of every other run.
 */
export async function auditRun(client: AgentClient, storeFile: string, started: StartedRun): Promise<RunAudit> {
  const audit: RunAudit = { workflowId: started.workflowId, scenario: started.scenario.name, status: '?', findings: [], retriedBecause: [], duplicates: 0 };
  try {
    return await auditReadable(client, storeFile, started, audit);
  } catch (err) {
    const undecodable = classifyUndecodable(err);
    if (!undecodable) throw err;
    return { ...audit, status: 'undecodable', findings: [...audit.findings, `payloads could not be decoded: ${undecodable.detail}`] };
  }
}

async function auditReadable(client: AgentClient, storeFile: string, started: StartedRun, audit: RunAudit): Promise<RunAudit> {
  const run = await client.run(started.workflowId);
  const description = await run.describe();
  if (description.status.name === 'RUNNING') {
    audit.status = 'running';
    audit.findings.push('still running after the drain: lost or stuck');
    return audit;
  }
  audit.durationMs = (description.closeTime?.getTime() ?? 0) - description.startTime.getTime();
  const result = await run.result();
  audit.status = result.status;
  if (result.status !== started.scenario.expectedStatus) {
    audit.findings.push(`ended ${result.status}, expected ${started.scenario.expectedStatus}: ${result.text}`);
  }

  // The store: exactly the scenario's effects, once each, and the ledger agrees key for key.
  const rows = effectsOf(storeFile, started.workflowId);
  const expected = [...started.scenario.effects].sort();
  const found = rows.map((r) => r.tool).sort();
  if (found.length > expected.length) audit.duplicates = found.length - expected.length;
  if (JSON.stringify(found) !== JSON.stringify(expected)) audit.findings.push(`side effects ${JSON.stringify(found)}, expected ${JSON.stringify(expected)}`);
  for (const row of rows) {
    const entries = result.ledger.filter((e) => e.idempotencyKey === row.idempotencyKey);
    if (entries.length !== 1) audit.findings.push(`${entries.length} ledger entries for effect ${row.idempotencyKey}`);
    if (row.tool === 'send_wire' && row.approvedBy !== 'soak-approver') audit.findings.push(`wire approved by ${row.approvedBy ?? 'nobody'}`);
  }
  if (result.ledger.length !== rows.length) audit.findings.push(`ledger has ${result.ledger.length} entries, store has ${rows.length} rows`);

  // The history: no non-determinism, no workflow task failing again and again.
  const history = await run.handle.fetchHistory();
  let taskFailures = 0;
  for (const event of history.events ?? []) {
    const failed = event.workflowTaskFailedEventAttributes;
    if (failed) {
      taskFailures++;
      if (/nondetermin/i.test(failed.failure?.message ?? '')) audit.findings.push(`non-determinism: ${failed.failure?.message}`);
    }
    const started = event.activityTaskStartedEventAttributes;
    if (started && (started.attempt ?? 1) > 1) audit.retriedBecause.push(classify(started.lastFailure?.message ?? ''));
    if (event.workflowTaskTimedOutEventAttributes?.timeoutType === SCHEDULE_TO_START) audit.retriedBecause.push('sticky queue timeout');
  }
  if (taskFailures >= 3) audit.findings.push(`${taskFailures} workflow task failures`);
  return audit;
}

/** What ended an attempt, in a few words. */
function classify(message: string): string {
  if (/heartbeat/i.test(message)) return 'heartbeat timeout (worker died)';
  if (/start.?to.?close|timed out/i.test(message)) return 'activity timeout';
  const status = /\b(429|500|529)\b/.exec(message)?.[1];
  if (status) return `model ${status}`;
  if (/cancel/i.test(message)) return 'cancelled by shutdown';
  return message.split('\n')[0]?.slice(0, 60) || 'unknown';
}

function effectsOf(file: string, workflowId: string): EffectRow[] {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    return db
      .prepare(
        `SELECT idempotency_key AS idempotencyKey, tool, approved_by AS approvedBy FROM effects
         WHERE substr(idempotency_key, 1, ?) = ? ORDER BY id`,
      )
      .all(workflowId.length + 1, `${workflowId}/`) as EffectRow[];
  } catch (err) {
    if (err instanceof Error && /no such table|unable to open/.test(err.message)) return [];
    throw err;
  } finally {
    db?.close();
  }
}
