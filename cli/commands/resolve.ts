/** `durable-agent resolve <id>`: a person's decision on the run's pending escalation, through the validated Update. */
import { Command, Option } from 'commander';
import { DECISIONS, type Decision, type Resolution } from '../../common/escalation';
import { settingsFrom, withClient } from '../connect';
import { CliError } from '../errors';
import { print, printJson } from '../output';
import { throughWorker } from './show';
import { loadSigner, type ResolutionSigner } from '../../client/sign-resolution';

interface ResolveOptions {
  decision: Decision;
  by: string;
  args?: string;
  text?: string;
  escalation?: string;
  keyFile?: string;
  signer?: string;
  duplicateOf?: string;
  json?: boolean;
}

/** `--args` must be a JSON object: the corrected arguments of the proposed tool call. */
export function parseArgsJson(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CliError(`--args is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    throw new CliError(`--args must be a JSON object, got ${got}`);
  }
  return value as Record<string, unknown>;
}

/** Checks the flags together, before any connection: what each decision needs, and nothing it would ignore. */
export function resolutionFromOptions(opts: ResolveOptions): Omit<Resolution, 'escalationId'> {
  const by = opts.by.trim();
  if (by === '') throw new CliError('--by must name who decides');
  const args = opts.args === undefined ? undefined : parseArgsJson(opts.args);
  if (opts.decision === 'edit' && !args)
    throw new CliError('--decision edit needs --args with the corrected arguments');
  if (opts.decision !== 'edit' && args)
    throw new CliError(`--args is only used with --decision edit, not ${opts.decision}`);
  if (opts.decision === 'answer' && !opts.text?.trim()) throw new CliError('--decision answer needs --text');
  return {
    decision: opts.decision,
    by,
    ...(args ? { args } : {}),
    ...(opts.text !== undefined ? { text: opts.text } : {}),
    ...(opts.duplicateOf !== undefined ? { duplicateOf: opts.duplicateOf } : {}),
  };
}

export function resolveCommand(): Command {
  return new Command('resolve')
    .description("decide a run's pending escalation")
    .argument('<id>', 'workflow id')
    .addOption(new Option('--decision <decision>', 'what to do').choices(DECISIONS).makeOptionMandatory())
    .requiredOption('--by <name>', 'who decides (recorded in the trace)')
    .option('--args <json>', 'for edit: the corrected tool arguments, a JSON object')
    .option('--text <text>', 'for answer: text for the model; for reject and abort: an optional reason')
    .option('--escalation <id>', 'the escalation to resolve (default: the pending one)')
    .option('--duplicate-of <ref>', 'for approve and edit of a call that repeats an earlier one: name that one (as the escalation says) to run it anyway')
    .option('--key-file <path>', "sign the resolution with this ed25519 private key (PEM; `durable-agent keygen` makes one): agents with approver keys accept only signed ones")
    .option('--signer <name>', 'the key is an issuer\'s (e.g. the inbox) signing for --by, not --by\'s own (default: --by)')
    .option('--json', 'print the outcome as JSON')
    .action(async (id: string, opts: ResolveOptions, command: Command) => {
      const decided = resolutionFromOptions(opts);
      if (opts.signer !== undefined && opts.keyFile === undefined) throw new CliError('--signer needs --key-file');
      // Read before connecting: a bad key file is one line and nothing sent.
      const signer = opts.keyFile === undefined ? undefined : readSigner(opts.signer ?? decided.by, opts.keyFile);
      // `--escalation "$ID"` with ID unset must not mean "whatever is pending now".
      if (opts.escalation !== undefined && opts.escalation.trim() === '') {
        throw new CliError('--escalation must name an escalation (leave it out to resolve the pending one)');
      }
      const settings = settingsFrom(command);
      await withClient(settings, async (client) => {
        const run = await client.run(id);
        const ended = async () => {
          const { status } = await run.status();
          return new CliError(`run "${id}" has ended (status: ${status}); there is nothing to resolve`);
        };
        let escalationId = opts.escalation;
        if (escalationId === undefined) {
          const pending = await throughWorker(run, () => run.pendingEscalation());
          if (!pending) {
            if ((await run.describe()).status.name !== 'RUNNING') throw await ended();
            throw new CliError(`run "${id}" has no pending escalation`);
          }
          escalationId = pending.id;
        }
        // With an explicit escalation id there is no pre-check: re-sending a decision already taken must still answer
        // with its outcome (Temporal deduplicates the Update by id, even once the run has ended).
        const resolution: Resolution = { escalationId, ...decided };
        const outcome = await throughWorker(run, () => run.resolve(resolution, { signer })).catch(async (err: unknown) => {
          // The run may end between our check and the Update (it was resolved by someone else a moment ago).
          if (err instanceof Error && /already completed|has ended/i.test(err.message)) throw await ended();
          throw err;
        });
        if (opts.json) printJson(outcome);
        else {
          print(`resolved ${outcome.escalationId}: ${outcome.decision} by ${outcome.by} (accepted: ${outcome.note})`);
          print(`follow the run: durable-agent show ${id}`);
        }
      });
    });
}

function readSigner(name: string, keyFile: string): ResolutionSigner {
  try {
    return loadSigner(name, keyFile);
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err));
  }
}
