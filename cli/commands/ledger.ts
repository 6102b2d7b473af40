/** `durable-agent ledger <id>`: the actions a run took, each with its idempotency key, approver and verification. */
import { Command } from 'commander';
import { attemptsText, ranOnAttemptText } from '../../common/attempts';
import { settingsFrom, withClient } from '../connect';
import { print, printJson } from '../output';
import { throughWorker } from './show';

export function ledgerCommand(): Command {
  return new Command('ledger')
    .description('list the actions a run took (writes and irreversible calls): arguments, result, key, approver, verification')
    .argument('<id>', 'workflow id')
    .option('--json', 'print the entries as a JSON array')
    .action(async (id: string, opts: { json?: boolean }, command: Command) => {
      await withClient(settingsFrom(command), async (client) => {
        const run = await client.run(id);
        const entries = await throughWorker(run, () => run.ledger());
        if (opts.json) {
          printJson(entries);
          return;
        }
        if (entries.length === 0) print(`${id}: no actions`);
        for (const e of entries) {
          const verified = e.verification ? (e.verification.ok ? 'verified' : `NOT verified: ${e.verification.detail}`) : 'no verify()';
          print(`${e.at}  step ${e.step}  ${e.tool} [${e.effect}] ${JSON.stringify(e.args)}`);
          print(`    result ${JSON.stringify(e.result)}`);
          if (e.edited) print(`    edited by ${e.edited.by}; the model proposed ${JSON.stringify(e.edited.proposedArgs)}`);
          if (e.attempts && e.attempts.count > 1) print(`    ${ranOnAttemptText(e.attempts)} (${attemptsText(e.attempts)})`);
          print(`    key ${e.idempotencyKey}  approved by ${e.approvedBy ?? '-'}  ${verified}`);
        }
      });
    });
}
