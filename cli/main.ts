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
import { globalOptions, useProfile } from './connect';
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
    .option(
      '--profile <name>',
      "Temporal's connection profile in temporal.toml (env TEMPORAL_PROFILE; file TEMPORAL_CONFIG_FILE, default ~/.config/temporalio/temporal.toml; see docs/connecting.md)",
    )
    .option('--address <host:port>', "Temporal frontend (over env TEMPORAL_ADDRESS and the profile's; default 127.0.0.1:7233)")
    .option('--namespace <name>', 'Temporal namespace (over env TEMPORAL_NAMESPACE and the profile\'s; default "default")')
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
    .exitOverride()
    // Before any action reads the configuration: which Temporal profile it holds is the global --profile's choice.
    .hook('preAction', (_program, action) => useProfile(globalOptions(action).profile));

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

// grpc-js names the server for TLS by its host even when that is an IP address (TEMPORAL_ADDRESS=10.0.0.5:7233 with
// TLS), and Node warns about it on stderr (DEP0123) once per process: a second line after a command's one-line
// error, about nothing the user set. The name checked is the profile's tls.server_name when one is set.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const code = typeof rest[0] === 'object' && rest[0] !== null ? (rest[0] as { code?: string }).code : rest[1];
  if (code === 'DEP0123') return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

// Output piped into `head` closes early; that is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
});

void main(process.argv);
