/** `durable-agent run <agent> <prompt>`: starts a run, and with `--wait` follows it until it ends or escalates. */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { runUrl } from '../../client/config';
import { AUTHORITY_MODES, type AuthorityMode } from '../../common/policy';
import { runInputProblem, type RunOptions as RunOptionsInput } from '../../common/run';
import { loadAgents, requireAgent } from '../agents';
import { cliConfig, globalOptions, settingsFrom, withClient } from '../connect';
import { CliError, EXIT_FAILURE, EXIT_OK } from '../errors';
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
    .addHelpText(
      'after',
      '\n--wait does not wait for a person: when the run escalates, it prints the escalation and exits 0 with\n' +
        'status "escalated". Resolve it with `durable-agent resolve`, then `show` or `run` again to follow it.',
    )
    .action(async (agent: string, prompt: string, opts: RunOptions, command: Command) => {
      // Everything is checked before connecting: bad input starts nothing.
      const definition = requireAgent(await loadAgents(globalOptions(command).agents ?? cliConfig().worker.agentsModule), agent);
      const options = authorityOptions(opts, definition.tools.map((t) => t.name));
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
            throw new CliError(`a run with id "${agent}-${opts.correlationId}" already exists; pick another --correlation-id`);
          }
          throw err;
        }
        const uiUrl = runUrl(settings, run.workflowId, await run.runId());
        if (!opts.wait) {
          const { runId } = await run.describe();
          if (opts.json) printJson({ workflowId: run.workflowId, runId, status: 'running', uiUrl });
          else {
            print(`started ${run.workflowId}`);
            print(`  ui     ${uiUrl}`);
            print(`  follow durable-agent trace ${run.workflowId}`);
          }
          return EXIT_OK;
        }
        if (!opts.json) {
          print(`started ${run.workflowId}`);
          print(`  ui     ${uiUrl}`);
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
          return EXIT_OK;
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
