/**
 * `durable-agent list`: runs from Temporal's visibility store; with `--status escalated`, what each one waits on.
 * A run whose payloads cannot be decoded here is a row saying so and why; the others are listed as usual.
 */
import { Command, Option } from 'commander';
import type { AgentClient, RunSummary } from '../../client/agent-client';
import { classifyUndecodable, type Undecodable } from '../../client/undecodable';
import type { Escalation } from '../../common/escalation';
import { RUN_STATUSES, type RunStatus } from '../../common/run';
import { settingsFrom, withClient } from '../connect';
import { CliError } from '../errors';
import { brief, clip } from '../../common/text';
import { executionsOf } from '../executions';
import { duration, escalationView, print, printJson, resolveHint, table } from '../output';

interface ListOptions {
  status?: RunStatus;
  agent?: string;
  limit?: string;
  json?: boolean;
}

/** A run's pending escalation, or why it could not be read (a query needs a worker to answer it). */
async function pendingOf(client: AgentClient, workflowId: string): Promise<Escalation | null | { error: string; undecodable?: Undecodable }> {
  const timeout = new Promise<{ error: string }>((resolve) =>
    setTimeout(() => resolve({ error: 'no worker answered the query' }), 5_000).unref(),
  );
  const query = client
    .run(workflowId)
    .then((run) => run.pendingEscalation())
    .catch((err: unknown) => ({
      error: err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err),
      undecodable: classifyUndecodable(err),
    }));
  return Promise.race([query, timeout]);
}

function isEscalation(value: Escalation | null | { error: string }): value is Escalation {
  return value !== null && 'kind' in value;
}

export function listCommand(): Command {
  return new Command('list')
    .description('list agent runs')
    .addOption(new Option('--status <status>', 'only runs with this status').choices(RUN_STATUSES))
    .option('--agent <name>', 'only runs of this agent')
    .option('--limit <n>', 'at most this many runs', '50')
    .option('--json', 'print JSON')
    .action(async (opts: ListOptions, command: Command) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit <= 0)
        throw new CliError(`--limit must be a positive integer, got "${opts.limit}"`);
      const settings = settingsFrom(command);
      await withClient(settings, async (client) => {
        const listed = await client.list({ status: opts.status, agent: opts.agent, limit });
        // A run that continued as new is listed once (its current execution); it started with its first.
        const runs = await Promise.all(
          listed.map(async (r) => {
            const executions = await executionsOf(client, r.workflowId).catch(() => undefined);
            return { ...r, executions: executions?.count ?? 1, startTime: executions?.firstStart ?? r.startTime };
          }),
        );
        const now = new Date();
        const withEscalations =
          opts.status === 'escalated'
            ? await Promise.all(
                // A run known to be undecodable is not queried: its answer could not be read either.
                runs.map(async (r) => ({ run: r, pending: r.undecodable ? undefined : await pendingOf(client, r.workflowId) })),
              )
            : runs.map((r) => ({ run: r, pending: undefined }));

        if (opts.json) {
          printJson(
            withEscalations.map(({ run, pending }) => {
              const undecodable = run.undecodable ?? (pending && !isEscalation(pending) ? pending.undecodable : undefined);
              return {
                ...jsonSummary(run),
                // Only with --status escalated; `escalationError` says why an escalation could not be read.
                escalation: opts.status !== 'escalated' ? undefined : pending && isEscalation(pending) ? pending : null,
                escalationError: pending && !isEscalation(pending) ? pending.error : undefined,
                // Why this run's payloads could not be decoded here; its other fields come from search attributes.
                undecodable,
              };
            }),
          );
          return;
        }
        if (runs.length === 0) {
          print(opts.status ? `no ${opts.status} runs` : 'no runs');
          return;
        }
        if (opts.status !== 'escalated') {
          // The NOTE column only when a run needs one, so the usual table stays as it was.
          const noted = runs.some((r) => r.undecodable);
          print(
            table(
              ['WORKFLOW ID', 'AGENT', 'STATUS', 'ESCALATION', 'STARTED', 'EXECUTIONS', ...(noted ? ['NOTE'] : [])],
              runs.map((r) => [
                r.workflowId,
                r.agent,
                r.status,
                r.escalationPending ? 'pending' : '-',
                r.startTime.toISOString(),
                String(r.executions),
                ...(noted ? [r.undecodable ? undecodableNote(r.undecodable) : ''] : []),
              ]),
            ),
          );
          return;
        }
        print(
          table(
            ['WORKFLOW ID', 'AGENT', 'WAITING', 'KIND', 'PROPOSED CALL', 'REASON'],
            withEscalations.map(({ run, pending }) => {
              const undecodable = run.undecodable ?? (pending && !isEscalation(pending) ? pending.undecodable : undefined);
              if (undecodable) return [run.workflowId, run.agent, '-', '-', '-', `(${undecodableNote(undecodable)})`];
              if (!pending || !isEscalation(pending)) {
                const why = pending && 'error' in pending ? pending.error : 'no longer pending';
                return [run.workflowId, run.agent, '-', '-', '-', `(${clip(why, 60)})`];
              }
              const call = pending.proposedCall
                ? `${pending.proposedCall.tool} ${brief(pending.proposedCall.args, 60)}`
                : '-';
              const waiting = duration(now.getTime() - Date.parse(pending.raisedAt));
              return [run.workflowId, run.agent, waiting, pending.kind, call, clip(pending.reason, 80)];
            }),
          ),
        );
        // Below the table, each escalation in full: everything the person deciding needs, not a clipped cell.
        for (const { run, pending } of withEscalations) {
          if (!pending || !isEscalation(pending)) continue;
          print();
          print(`pending: ${run.workflowId}`);
          print(escalationView(pending, { workflowId: run.workflowId, now }));
          print(`  resolve with: ${resolveHint(run.workflowId, pending)}`);
        }
      });
    });
}

/** The row's note: never clipped, since the cause and what to set are at its end. */
function undecodableNote(u: Undecodable): string {
  return `payloads could not be decoded: ${u.detail}`;
}

function jsonSummary(r: RunSummary & { executions: number }) {
  return {
    workflowId: r.workflowId,
    runId: r.runId,
    agent: r.agent,
    status: r.status,
    correlationId: r.correlationId,
    escalationPending: r.escalationPending,
    /** The first execution's start: when the run started. */
    startTime: r.startTime.toISOString(),
    executions: r.executions,
    closeTime: r.closeTime?.toISOString() ?? null,
  };
}
