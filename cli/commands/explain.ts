/** `durable-agent explain <id>`: the run in plain language, from its trace. */
import { Command } from 'commander';
import { settingsFrom, withClient } from '../connect';
import { print } from '../output';
import { throughWorker } from './show';

export function explainCommand(): Command {
  return new Command('explain')
    .description('tell the story of a run in plain language: what it was asked, each decision and why, each action and who approved it, how it ended')
    .argument('<id>', 'workflow id')
    .action(async (id: string, _opts: unknown, command: Command) => {
      await withClient(settingsFrom(command), async (client) => {
        const run = await client.run(id);
        print(await throughWorker(run, () => run.explain()));
      });
    });
}
