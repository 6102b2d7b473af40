/** `durable-agent demo`: see cli/demo.ts. */
import { Command } from 'commander';
import { cliConfig, settingsFrom } from '../connect';
import { CliError } from '../errors';
import { portOption } from '../numbers';

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'run the scripted demo: a refused date, its correction, an escalated refund approved by the demo; ' +
        'starts a dev server, model and worker if missing',
    )
    .option('--json', 'print only { workflowId, runId, status, uiUrl, events } as JSON')
    .option('--inbox <name>', 'do not approve: serve the escalation inbox and wait for <name> to decide there')
    .option('--inbox-port <port>', 'port of the inbox (0: a free one)', '8234')
    .option('--ephemeral', 'use a private in-memory dev server on free ports and a temporary store, stopped at the end')
    .addHelpText(
      'after',
      '\nWithout --ephemeral, the demo uses the Temporal server at --address if one answers, else starts a\n' +
        'file-backed one in the background (so the UI link keeps working); stop it with `durable-agent server stop`.\n' +
        'Exits 0 when the run completed, 1 otherwise.',
    )
    .action(async (opts: { json?: boolean; ephemeral?: boolean; inbox?: string; inboxPort: string }, command: Command) => {
      const inboxPort = portOption('--inbox-port', opts.inboxPort);
      if (opts.inbox !== undefined && !opts.inbox.trim()) throw new CliError('--inbox must name the person who decides');
      // Loaded here: the demo pulls in the worker (native bridge, bundler), which other commands never need.
      const { runDemo } = await import('../demo');
      process.exitCode = await runDemo({
        json: opts.json ?? false,
        ephemeral: opts.ephemeral ?? false,
        settings: settingsFrom(command),
        config: cliConfig(),
        inboxAs: opts.inbox?.trim(),
        inboxPort,
      });
    });
}
