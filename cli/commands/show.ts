/** `durable-agent show <id>`: a run's status, step, usage, pending escalation and, once it ended, its final text. */
import { Command } from 'commander';
import type { AgentClient, AgentRun } from '../../client/agent-client';
import type { ConnectionSettings } from '../../client/config';
import { settingsFrom, withClient } from '../connect';
import { CliError } from '../errors';
import { escalationView, print, printJson, resolveHint } from '../output';
import { NO_UI_LINK, runLink } from '../ui-link';
import { executionsOf } from '../executions';

/** How long a query may take before we say no worker is answering (open runs are queried through a worker). */
const QUERY_TIMEOUT_MS = 10_000;

/**
 * Runs a query-backed read (an open run is read through a worker), turning "no worker" into a sentence that says
 * what to start. The task queue is the run's own, which may not be the one configured here.
 */
export async function throughWorker<T>(run: AgentRun, read: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const noWorker = async () => {
    const { taskQueue } = await run.describe();
    return new CliError(`no worker answered (is \`durable-agent worker\` polling task queue "${taskQueue}"?)`);
  };
  try {
    return await Promise.race([
      read(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('no worker')), QUERY_TIMEOUT_MS);
      }),
    ]);
  } catch (err) {
    if (err instanceof Error && /no poller|no worker/i.test(err.message)) throw await noWorker();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

export async function describeRun(run: AgentRun, settings: ConnectionSettings, client?: AgentClient) {
  // Through the run, so that a memo this process cannot decode is a one-line error naming the run and the cause.
  const description = await run.describe();
  const state = await throughWorker(run, () => run.status());
  const closed = description.status.name !== 'RUNNING';
  const result = closed ? await run.result() : undefined;
  // A run that continued as new started with its first execution: the current one's start is not the run's.
  const executions = client ? await executionsOf(client, run.workflowId) : undefined;
  return {
    workflowId: run.workflowId,
    runId: description.runId,
    uiUrl: await runLink(settings, run.workflowId, description.runId),
    status: state.status,
    agent: state.agent,
    correlationId: state.correlationId,
    step: state.step,
    usage: state.usage,
    startTime: (executions?.firstStart ?? description.startTime).toISOString(),
    executions: executions?.count ?? 1,
    currentExecutionStartTime: description.startTime.toISOString(),
    closeTime: description.closeTime?.toISOString() ?? null,
    pendingEscalation: state.pendingEscalation,
    text: result?.text ?? null,
  };
}

export function showCommand(): Command {
  return new Command('show')
    .description("show a run's status, step, token usage, pending escalation and final text")
    .argument('<id>', 'workflow id')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }, command: Command) => {
      const settings = settingsFrom(command);
      await withClient(settings, async (client) => {
        const run = await client.run(id);
        const view = await describeRun(run, settings, client);
        if (opts.json) {
          printJson(view);
          return;
        }
        print(view.workflowId);
        print(`  status       ${view.status}`);
        print(`  agent        ${view.agent}`);
        print(`  correlation  ${view.correlationId}`);
        print(`  run id       ${view.runId}`);
        print(`  step         ${view.step}`);
        print(`  usage        ${view.usage.inputTokens} input / ${view.usage.outputTokens} output tokens`);
        print(`  started      ${view.startTime}`);
        print(
          `  executions   ${view.executions}${view.executions > 1 ? ` (it continued as new ${view.executions - 1} time${view.executions === 2 ? '' : 's'}; this execution started ${view.currentExecutionStartTime})` : ''}`,
        );
        if (view.closeTime) print(`  closed       ${view.closeTime}`);
        print(`  ui           ${view.uiUrl ?? NO_UI_LINK}`);
        if (view.pendingEscalation) {
          print();
          print('pending escalation');
          print(escalationView(view.pendingEscalation, { workflowId: view.workflowId }));
          print(`  resolve with: ${resolveHint(view.workflowId, view.pendingEscalation)}`);
        }
        if (view.text !== null) {
          print();
          print(view.status === 'completed' ? 'final text' : `why it ended (${view.status})`);
          print(`  ${view.text.replace(/\n/g, '\n  ')}`);
        }
      });
    });
}
