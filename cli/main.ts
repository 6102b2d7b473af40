#!/usr/bin/env node
/**
 * The `durable-agent` command line: start a dev server and a worker, run agents, see what they did, and decide
 * their escalations.
 *
 * @example
 * durable-agent server --detach
 * durable-agent worker &
 * durable-agent run ops "Refund order ord_1001" --scenario examples/ops-agent/scenarios/demo.json --wait
 * durable-agent resolve ops-<id> --decision approve --by pat
 * durable-agent inbox --as pat          # or decide in the browser
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { projectRoot } from '../temporal-config/settings';
import { AGENTS_ENV } from './agents';
import { cancelCommand } from './commands/cancel';
import { clusterCommand } from './commands/cluster';
import { codecServerCommand } from './commands/codec-server';
import { demoCommand } from './commands/demo';
import { explainCommand } from './commands/explain';
import { inboxCommand } from './commands/inbox';
import { keygenCommand } from './commands/keygen';
import { ledgerCommand } from './commands/ledger';
import { listCommand } from './commands/list';
import { modelServerCommand } from './commands/model-server';
import { resolveCommand } from './commands/resolve';
import { runCommand } from './commands/run';
import { serverCommand } from './commands/server';
import { showCommand } from './commands/show';
import { traceCommand } from './commands/trace';
import { workerCommand } from './commands/worker';
import { reportError } from './errors';

/** From package.json, found the same way from the sources and from dist/. */
function version(): string {
  try {
    return (JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function buildProgram(): Command {
  const program = new Command()
    .name('durable-agent')
    .version(version())
    .description(
      'LLM agents run as Temporal workflows: validated tool calls, escalation to a person, a replayable trace.',
    )
    .option('--address <host:port>', 'Temporal frontend (env TEMPORAL_ADDRESS, default 127.0.0.1:7233)')
    .option('--namespace <name>', 'Temporal namespace (env TEMPORAL_NAMESPACE, default "default")')
    .option(
      '--task-queue <name>',
      'task queue of the agent workers (env DURABLE_AGENT_TASK_QUEUE, default "durable-agent")',
    )
    .option(
      '--agents <module>',
      `module exporting \`agents: AgentDefinition[]\` (env ${AGENTS_ENV}, default: the examples)`,
    )
    .configureOutput({
      // Commander's own usage errors, in the same one-line form as ours.
      outputError: (str, write) => write(`durable-agent: ${str.trim().split('\n')[0]} (see --help)\n`),
    })
    .exitOverride();

  for (const command of [
    serverCommand(),
    clusterCommand(),
    workerCommand(),
    modelServerCommand(),
    runCommand(),
    listCommand(),
    showCommand(),
    traceCommand(),
    resolveCommand(),
    keygenCommand(),
    cancelCommand(),
    ledgerCommand(),
    explainCommand(),
    inboxCommand(),
    codecServerCommand(),
    demoCommand(),
  ]) {
    // Subcommands inherit the one-line error output and the exit override.
    program.addCommand(command.copyInheritedSettings(program));
  }
  return program;
}

/** Exits with `process.exitCode` once the event loop drains, or shortly after if a handle lingers. */
function exitSoon(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(), 1_000).unref();
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    exitSoon(typeof process.exitCode === 'number' ? process.exitCode : 0);
  } catch (err) {
    exitSoon(reportError(err));
  }
}

// Output piped into `head` closes early; that is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
});

void main(process.argv);
