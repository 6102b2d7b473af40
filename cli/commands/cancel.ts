/** `durable-agent cancel <id> --by NAME`: cancels a run; its tools see it at their next heartbeat. */
import { Command } from 'commander';
import { settingsFrom, withClient } from '../connect';
import { CliError } from '../errors';
import { print } from '../output';

export function cancelCommand(): Command {
  return new Command('cancel')
    .description('cancel a run: in-flight tools are asked to stop, and the trace records who cancelled and why')
    .argument('<id>', 'workflow id')
    .requiredOption('--by <name>', 'who cancels (recorded in the trace)')
    .option('--reason <text>', 'why')
    .action(async (id: string, opts: { by: string; reason?: string }, command: Command) => {
      if (opts.by.trim() === '') throw new CliError('--by must name who cancels the run');
      await withClient(settingsFrom(command), async (client) => {
        const run = await client.run(id);
        if ((await run.describe()).status.name !== 'RUNNING') throw new CliError(`run "${id}" has already ended`);
        await run.cancel({ by: opts.by, reason: opts.reason });
        print(`cancellation requested for ${id} by ${opts.by}`);
      });
    });
}
