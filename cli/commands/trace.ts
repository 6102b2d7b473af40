/** `durable-agent trace <id>`: the run's trace as a readable timeline, or `--json` as the events themselves. */
import { Command } from 'commander';
import { settingsFrom, withClient } from '../connect';
import { print, printJson, timeline } from '../output';
import { throughWorker } from './show';
import { NO_UI_LINK, runLink } from '../ui-link';

export function traceCommand(): Command {
  return new Command('trace')
    .description("print a run's trace: one line per event (seq, time, step, kind, summary)")
    .argument('<id>', 'workflow id')
    .option('--json', 'print the events as a JSON array')
    .option('--jsonl', 'print one event per line (schema: docs/trace.md, field v), ready for an evaluation data set')
    .action(async (id: string, opts: { json?: boolean; jsonl?: boolean }, command: Command) => {
      const settings = settingsFrom(command);
      await withClient(settings, async (client) => {
        const run = await client.run(id);
        const events = await throughWorker(run, () => run.trace());
        if (opts.jsonl) {
          for (const event of events) print(JSON.stringify(event));
          return;
        }
        if (opts.json) {
          printJson(events);
          return;
        }
        print(`${run.workflowId}  (${events.length} events)`);
        print(timeline(events));
        print(`ui: ${(await runLink(settings, run.workflowId, await run.runId())) ?? NO_UI_LINK}`);
      });
    });
}
