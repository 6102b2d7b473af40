/** `durable-agent demo`: see cli/demo.ts. */
import { Command } from 'commander';
import { settingsFrom } from '../connect';

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'run the scripted demo: a refused date, its correction, an escalated refund approved by the demo; ' +
        'starts a dev server, model and worker if missing',
    )
    .option('--json', 'print only { workflowId, runId, status, uiUrl, events } as JSON')
    .option('--ephemeral', 'use a private in-memory dev server on free ports and a temporary store, stopped at the end')
    .addHelpText(
      'after',
      '\nWithout --ephemeral, the demo uses the Temporal server at --address if one answers, else starts a\n' +
        'file-backed one in the background (so the UI link keeps working); stop it with `durable-agent server stop`.\n' +
        'Exits 0 when the run completed, 1 otherwise.',
    )
    .action(async (opts: { json?: boolean; ephemeral?: boolean }, command: Command) => {
      // Loaded here: the demo pulls in the worker (native bridge, bundler), which other commands never need.
      const { runDemo } = await import('../demo');
      process.exitCode = await runDemo({
        json: opts.json ?? false,
        ephemeral: opts.ephemeral ?? false,
        settings: settingsFrom(command),
      });
    });
}
