/** `durable-agent trace <id>`: the run's trace as a readable timeline, or `--json` as the events themselves. */
import { Command } from 'commander';
import { settingsFrom, withClient } from '../connect';
import { print, printJson, timeline } from '../output';
import { throughWorker } from './show';
import { numberOption } from '../numbers';
import { NO_UI_LINK, runLink } from '../ui-link';

export function traceCommand(): Command {
  return new Command('trace')
    .description("print a run's trace: one line per event (seq, time, step, kind, summary)")
    .argument('<id>', 'workflow id')
    .option('--json', 'print the events as a JSON array')
    .option('--jsonl', 'print one event per line (schema: docs/trace.md, field v), ready for an evaluation data set')
    .option('--from <seq>', 'start at this event (its seq): the rest of a long run, without what was already read', (text) =>
      numberOption('--from', text, { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true, what: "a whole number, 0 or more (an event's seq)" }),
    )
    .action(async (id: string, opts: { json?: boolean; jsonl?: boolean; from?: number }, command: Command) => {
      const settings = settingsFrom(command);
      await withClient(settings, async (client) => {
        const run = await client.run(id);
        const events = await throughWorker(run, () => collect(run.traceEvents(opts.from ?? 0)));
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

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
