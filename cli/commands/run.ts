/** `durable-agent run <agent> <prompt>`: starts a run, and with `--wait` follows it until it ends or escalates. */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { AUTHORITY_MODES, type AuthorityMode } from '../../common/policy';
import { OPTION_CEILINGS, runInputProblem, type RunOptions as RunOptionsInput } from '../../common/run';
import { loadAgents, requireAgent } from '../agents';
import { cliConfig, globalOptions, settingsFrom, withClient } from '../connect';
import { CliError, EXIT_FAILURE, EXIT_OK } from '../errors';
import { durationOption, namesOption, numberOption } from '../numbers';
import { NO_UI_LINK, runLink } from '../ui-link';
import { escalationView, print, printError, printJson, resolveHint } from '../output';
import { waitForOutcome } from '../wait';

interface RunOptions {
  wait?: boolean;
  json?: boolean;
  correlationId?: string;
  scenario?: string;
  mode?: string;
  scope?: string;
  minConfidence?: string;
  maxSteps?: string;
  maxTokens?: string;
  maxCostUsd?: string;
  maxDuration?: string;
  correctiveRetries?: string;
  escalationTimeout?: string;
  approvers?: string;
  continueAsNewEvents?: string;
  continueAsNewBytes?: string;
  modelRetryBudget?: string;
}

/** `run --wait` exits with this when the run stopped for a person: scripts tell waiting from done without --json. */
export const EXIT_WAITING = 3;

/** Budgets and timings (`--max-steps`, ..., `--continue-as-new-bytes`), each checked against its ceiling. */
function budgetOptions(opts: RunOptions, approvers: string[]): RunOptionsInput {
  const c = OPTION_CEILINGS;
  const whole = (flag: string, text: string, max: number, min = 1) =>
    numberOption(flag, text, { min, max, integer: true, what: `a whole number from ${min} to ${max}` });
  const options: RunOptionsInput = {};
  const limits: NonNullable<RunOptionsInput['limits']> = {};
  if (opts.maxSteps !== undefined) limits.maxSteps = whole('--max-steps', opts.maxSteps, c.limits.maxSteps);
  if (opts.maxTokens !== undefined) limits.maxTokens = whole('--max-tokens', opts.maxTokens, c.limits.maxTokens);
  if (opts.maxCostUsd !== undefined) {
    const value = numberOption('--max-cost-usd', opts.maxCostUsd, { min: 0, max: c.limits.maxCostUsd, what: `a dollar amount above 0 and at most ${c.limits.maxCostUsd}` });
    if (value === 0) throw new CliError(`--max-cost-usd must be a dollar amount above 0 and at most ${c.limits.maxCostUsd} (got "${opts.maxCostUsd}")`);
    limits.maxCostUsd = value;
  }
  if (opts.maxDuration !== undefined) limits.maxDurationMs = durationOption('--max-duration', opts.maxDuration, { maxMs: c.limits.maxDurationMs });
  if (Object.keys(limits).length > 0) options.limits = limits;
  if (opts.correctiveRetries !== undefined) options.correctiveRetries = whole('--corrective-retries', opts.correctiveRetries, 100, 0);
  if (opts.escalationTimeout !== undefined) {
    options.escalationTimeoutMs = durationOption('--escalation-timeout', opts.escalationTimeout, { maxMs: c.escalationTimeoutMs });
  }
  if (opts.approvers !== undefined) {
    const names = namesOption('--approvers', opts.approvers);
    // Narrowing only: a name the agent does not list would widen who may decide (the workflow ignores it anyway).
    const outside = approvers.length === 0 ? [] : names.filter((n) => !approvers.includes(n));
    if (outside.length > 0) {
      throw new CliError(`--approvers may only narrow the agent's approvers (${approvers.join(', ')}); not on it: ${outside.join(', ')}`);
    }
    options.approvers = names;
  }
  if (opts.modelRetryBudget !== undefined) {
    options.modelRetry = { rateLimitBudgetMs: durationOption('--model-retry-budget', opts.modelRetryBudget, { maxMs: c.modelRetry.rateLimitBudgetMs }) };
  }
  const continueAsNew: NonNullable<RunOptionsInput['continueAsNew']> = {};
  if (opts.continueAsNewEvents !== undefined) {
    continueAsNew.maxEvents = whole('--continue-as-new-events', opts.continueAsNewEvents, c.continueAsNew.maxEvents);
  }
  if (opts.continueAsNewBytes !== undefined) {
    continueAsNew.maxBytes = whole('--continue-as-new-bytes', opts.continueAsNewBytes, c.continueAsNew.maxBytes);
  }
  if (Object.keys(continueAsNew).length > 0) options.continueAsNew = continueAsNew;
  return options;
}

/** `--mode`, `--scope`, `--min-confidence`, checked against the agent before anything starts. */
function authorityOptions(opts: RunOptions, toolNames: string[]): RunOptionsInput {
  const options: RunOptionsInput = {};
  if (opts.mode !== undefined) {
    if (!(AUTHORITY_MODES as readonly string[]).includes(opts.mode)) {
      throw new CliError(`--mode must be one of ${AUTHORITY_MODES.join(', ')} (got "${opts.mode}")`);
    }
    options.mode = opts.mode as AuthorityMode;
  }
  if (opts.scope !== undefined) {
    const scope = opts.scope.split(',').map((t) => t.trim()).filter(Boolean);
    const unknown = scope.filter((t) => !toolNames.includes(t));
    if (scope.length === 0) throw new CliError('--scope needs at least one tool name');
    if (unknown.length > 0) throw new CliError(`--scope names tools the agent does not have: ${unknown.join(', ')} (it has: ${toolNames.join(', ')})`);
    options.scope = scope;
  }
  if (opts.minConfidence !== undefined) {
    // Number('') and Number('  ') are 0: a blank value would start a run with confidence checks off.
    const value = opts.minConfidence.trim() === '' ? NaN : Number(opts.minConfidence);
    if (!Number.isFinite(value) || value < 0 || value > 1) throw new CliError(`--min-confidence must be a number from 0 to 1 (got "${opts.minConfidence}")`);
    options.minConfidence = value;
  }
  return options;
}

/** A scenario file must exist before a run is started with it; the worker is given its absolute path. */
export function scenarioPath(file: string): string {
  const path = resolve(file);
  if (!existsSync(path) || !statSync(path).isFile()) throw new CliError(`scenario file not found: ${file}`);
  return path;
}

export function runCommand(): Command {
  return new Command('run')
    .description('start an agent run')
    .argument('<agent>', 'agent name (see the registry: examples, or --agents)')
    .argument('<prompt>', 'what to ask the agent')
    .option('--wait', 'wait until the run ends or escalates to a person (then print how to resolve it and exit)')
    .option('--json', 'print JSON')
    .option('--correlation-id <id>', 'correlation id (default: a random UUID); the workflow id is <agent>-<id>')
    .option('--scenario <file>', 'scripted model scenario file to play (ignored by a worker using the real API)')
    .option('--mode <mode>', 'authority: act (default; writes run, irreversible actions wait for approval) or advise (writes and irreversible actions are only recommended)')
    .option('--scope <tools>', "comma-separated tools this run may use (default: all the agent's)")
    .option('--min-confidence <n>', 'escalate calls that act with a stated confidence below this (0 to 1)')
    .option('--max-steps <n>', "model calls before the run escalates (lowers the agent's limit, never raises it)")
    .option('--max-tokens <n>', 'input plus output tokens before the run escalates (lowers the agent\'s limit)')
    .option('--max-cost-usd <usd>', 'estimated cost in dollars before the run escalates (lowers the agent\'s limit)')
    .option('--max-duration <duration>', 'wall-clock time (e.g. 30m, 2h) after which the next step escalates')
    .option('--corrective-retries <n>', 'corrective attempts after a failed tool call before the run escalates (0 to 100)')
    .option('--escalation-timeout <duration>', 'how long an escalation waits for a person (e.g. 90s, 4h, 7d) before the run ends timed out')
    .option('--approvers <names>', "comma-separated people who may decide this run's escalations (narrows the agent's list, never widens it)")
    .option('--model-retry-budget <duration>', "how long one model step rides out rate limits and overload (e.g. 2m) before the run escalates (lowers the agent's)")
    .option('--continue-as-new-events <n>', 'continue as a new execution once history passes this many events')
    .option('--continue-as-new-bytes <n>', 'continue as a new execution once history passes this many bytes')
    .addHelpText(
      'after',
      `\nExit codes: 0 started (or, with --wait, completed); 1 bad input, or the run ended other than completed;\n` +
        `${EXIT_WAITING} (with --wait) the run stopped for a person: it prints the escalation and how to resolve it.\n` +
        '--wait does not wait for the person: resolve it with `durable-agent resolve`, then `show` to follow it.',
    )
    .action(async (agent: string, prompt: string, opts: RunOptions, command: Command) => {
      // Everything is checked before connecting: bad input starts nothing.
      const definition = requireAgent(await loadAgents(globalOptions(command).agents ?? cliConfig().worker.agentsModule), agent);
      const options = { ...authorityOptions(opts, definition.tools.map((t) => t.name)), ...budgetOptions(opts, definition.approvers ?? []) };
      const scenario = opts.scenario === undefined ? undefined : scenarioPath(opts.scenario);
      if (opts.correlationId !== undefined && opts.correlationId.trim() === '') {
        throw new CliError('--correlation-id must not be empty');
      }
      if (prompt.trim() === '') throw new CliError('the prompt must not be empty');
      // The client's own check, which the flags above cannot fail today; a new flag that could is caught here too.
      const problem = runInputProblem({ agent, prompt, correlationId: opts.correlationId, options });
      if (problem) throw new CliError(problem);
      const settings = settingsFrom(command);

      process.exitCode = await withClient(settings, async (client) => {
        let run;
        try {
          run = await client.start(agent, prompt, { correlationId: opts.correlationId, scenario, options });
        } catch (err) {
          // Running or ended: a correlation id names one run (the client starts with REJECT_DUPLICATE).
          if (err instanceof Error && err.name === 'RunAlreadyExistsError') {
            const id = `${agent}-${opts.correlationId}`;
            throw new CliError(`a run with id "${id}" already exists; pick another --correlation-id (follow that run: durable-agent show ${id})`);
          }
          throw err;
        }
        const uiUrl = await runLink(settings, run.workflowId, await run.runId());
        if (!opts.wait) {
          const { runId } = await run.describe();
          if (opts.json) printJson({ workflowId: run.workflowId, runId, status: 'running', uiUrl });
          else {
            print(`started ${run.workflowId}`);
            print(`  ui     ${uiUrl ?? NO_UI_LINK}`);
            print(`  follow durable-agent trace ${run.workflowId}`);
          }
          return EXIT_OK;
        }
        if (!opts.json) {
          print(`started ${run.workflowId}`);
          print(`  ui     ${uiUrl ?? NO_UI_LINK}`);
        }
        const outcome = await waitForOutcome(run, {
          onSlow: () =>
            printError(`durable-agent: still waiting: no worker has picked up the run; is one polling task queue "${settings.taskQueue}"?`),
        });
        if (outcome.kind === 'escalated') {
          const e = outcome.escalation;
          if (opts.json) {
            printJson({ workflowId: run.workflowId, runId: outcome.runId, status: 'escalated', uiUrl, escalation: e });
          } else {
            print('escalated: the run waits for a person');
            print(escalationView(e, { workflowId: run.workflowId }));
            print(`resolve with: ${resolveHint(run.workflowId, e)}`);
          }
          return EXIT_WAITING;
        }
        const result = outcome.result;
        if (opts.json) printJson({ ...result, uiUrl });
        else {
          print(
            `${result.status} after ${result.steps} step${result.steps === 1 ? '' : 's'} ` +
              `(${result.usage.inputTokens} input / ${result.usage.outputTokens} output tokens)`,
          );
          print(result.text);
        }
        return result.status === 'completed' ? EXIT_OK : EXIT_FAILURE;
      });
    });
}
