/** `durable-agent resolve <id>`: a person's decision on the run's pending escalation, through the validated Update. */
import { Command, Option } from 'commander';
import { canonicalJson } from '../../common/approval-proof';
import { DECISIONS, type Decision, type Resolution } from '../../common/escalation';
import type { TraceEvent } from '../../common/trace';
import { settingsFrom, withClient } from '../connect';
import { CliError, EXIT_FAILURE, EXIT_OK } from '../errors';
import { escalationView, neutralOrder, print, printError, printJson, resolveHint } from '../output';
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

/**
 * The accepted resolution of an escalation, from the run's trace: who decided what, and when. Without an id, of the
 * run's last escalation (the one `resolve` without `--escalation` would have answered).
 */
function acceptedResolution(trace: TraceEvent[], escalationId?: string): { resolution: Resolution; at: string } | undefined {
  const lastRaised = [...trace].reverse().find((e) => e.kind === 'escalation');
  const target = escalationId ?? (lastRaised?.kind === 'escalation' ? lastRaised.escalation.id : undefined);
  if (target === undefined) return undefined;
  const event = trace.find((e) => e.kind === 'resolution' && e.accepted && e.resolution.escalationId === target);
  return event?.kind === 'resolution' ? { resolution: event.resolution, at: event.at } : undefined;
}

/** Whether `decided` asks for what `taken` already did: same decision, same arguments or text where they count. */
function sameDecision(taken: Resolution, decided: Omit<Resolution, 'escalationId'>): boolean {
  if (taken.decision !== decided.decision) return false;
  if (decided.decision === 'edit') return canonicalJson(taken.args ?? null) === canonicalJson(decided.args ?? null);
  if (decided.decision === 'answer') return taken.text === decided.text;
  return true;
}

export const RESOLVE_HELP = `
Without --decision, shows the pending escalation (who may decide, the proposed call, the model's confidence and
rationale, how long it has waited and until when) and the decisions that apply.

Answers the same whether or not --escalation is given:
  the decision was taken     "resolved <escalation>: <decision> by <name>"        exit 0
  the same decision again    "already resolved by <name> at <time> ..."            exit 0 (nothing was done)
  another decision was taken "already resolved by <name> at <time> ..."            exit 1 (nothing was done)
  the run has ended          "the run has ended (status: ...)"                     exit 1`;

export function resolveCommand(): Command {
  return new Command('resolve')
    .description("decide a run's pending escalation (without --decision: show it)")
    .argument('<id>', 'workflow id')
    .addOption(new Option('--decision <decision>', 'what to do').choices(neutralOrder(DECISIONS)))
    .option('--by <name>', 'who decides (recorded in the trace)')
    .option('--args <json>', 'for edit: the corrected tool arguments, a JSON object')
    .option('--text <text>', 'for answer: text for the model; for reject and abort: an optional reason')
    .option('--escalation <id>', 'the escalation to resolve (default: the pending one)')
    .option('--duplicate-of <ref>', 'for approve and edit of a call that repeats an earlier one: name that one (as the escalation says) to run it anyway')
    .option('--key-file <path>', "sign the resolution with this ed25519 private key (PEM; `durable-agent keygen` makes one): agents with approver keys accept only signed ones")
    .option('--signer <name>', 'the key is an issuer\'s (e.g. the inbox) signing for --by, not --by\'s own (default: --by)')
    .option('--json', 'print the outcome as JSON')
    .addHelpText('after', RESOLVE_HELP)
    .action(async (id: string, opts: Partial<ResolveOptions>, command: Command) => {
      // `--escalation "$ID"` with ID unset must not mean "whatever is pending now".
      if (opts.escalation !== undefined && opts.escalation.trim() === '') {
        throw new CliError('--escalation must name an escalation (leave it out to resolve the pending one)');
      }
      if (opts.decision === undefined) {
        const extra = (['by', 'args', 'text', 'duplicateOf', 'keyFile', 'signer'] as const).filter((k) => opts[k] !== undefined);
        if (extra.length > 0) {
          const given = extra.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ');
          throw new CliError(`required option '--decision <decision>' not specified (${given} given; leave them out to see the pending escalation)`, 2);
        }
        await showPending(id, opts, command);
        return;
      }
      if (opts.by === undefined) throw new CliError("required option '--by <name>' not specified", 2);
      const decided = resolutionFromOptions(opts as ResolveOptions);
      if (opts.signer !== undefined && opts.keyFile === undefined) throw new CliError('--signer needs --key-file');
      // Read before connecting: a bad key file is one line and nothing sent.
      const signer = opts.keyFile === undefined ? undefined : readSigner(opts.signer ?? decided.by, opts.keyFile);
      const settings = settingsFrom(command);
      process.exitCode = await withClient(settings, async (client) => {
        const run = await client.run(id);
        const ended = async () => {
          const { status } = await run.status();
          return new CliError(`the run has ended (status: ${status}); there is nothing to resolve`);
        };
        /**
         * The answer when the decision cannot be taken now: a decision already taken on this escalation (or, with no
         * escalation named, the run's last one) is reported as such; otherwise the run has ended, or waits on nothing.
         */
        const alreadyOr = async (fallback: () => Promise<CliError | undefined>): Promise<number | undefined> => {
          const taken = acceptedResolution(await throughWorker(run, () => run.trace()), opts.escalation);
          if (!taken) {
            const refusal = await fallback();
            if (refusal) throw refusal;
            return undefined;
          }
          const { resolution, at } = taken;
          const same = sameDecision(resolution, decided);
          const words = `already resolved by ${resolution.by} at ${at} (${resolution.escalationId}: ${resolution.decision})`;
          if (opts.json) {
            printJson({ escalationId: resolution.escalationId, decision: resolution.decision, by: resolution.by, at, alreadyResolved: true, same });
          } else if (same) {
            print(`${words}; nothing more was done`);
          } else {
            printError(`durable-agent: error: ${words}; your ${decided.decision} was not applied`);
          }
          return same ? EXIT_OK : EXIT_FAILURE;
        };
        const open = (await run.describe()).status.name === 'RUNNING';
        if (!open) return (await alreadyOr(ended)) as number;
        const pending = await throughWorker(run, () => run.pendingEscalation());
        const escalationId = opts.escalation ?? pending?.id;
        if (escalationId === undefined || pending?.id !== escalationId) {
          // An escalation named but neither pending nor decided is sent anyway: the run's own validator refuses it,
          // in its words, and its worker logs who tried (the audit record of a refused attempt).
          const answered = await alreadyOr(async () => (escalationId === undefined ? new CliError(`run "${id}" has no pending escalation`) : undefined));
          if (answered !== undefined) return answered;
        }
        const resolution: Resolution = { escalationId: escalationId as string, ...decided };
        const outcome = await throughWorker(run, () => run.resolve(resolution, { signer })).catch(async (err: unknown) => {
          // The run may end between our check and the Update (it was resolved by someone else a moment ago).
          if (err instanceof Error && /already completed|has ended/i.test(err.message)) throw await ended();
          throw err;
        });
        if (opts.json) printJson(outcome);
        else {
          print(`resolved ${outcome.escalationId}: ${outcome.note}`);
          print(`follow the run: durable-agent show ${id}`);
        }
        return EXIT_OK;
      });
    });
}

/** `resolve <id>` without a decision: the pending escalation, as the decider needs to see it, and how to answer. */
async function showPending(id: string, opts: Partial<ResolveOptions>, command: Command): Promise<void> {
  await withClient(settingsFrom(command), async (client) => {
    const run = await client.run(id);
    if ((await run.describe()).status.name !== 'RUNNING') {
      const { status } = await run.status();
      throw new CliError(`the run has ended (status: ${status}); there is nothing to decide`);
    }
    const pending = await throughWorker(run, () => run.pendingEscalation());
    if (!pending || (opts.escalation !== undefined && pending.id !== opts.escalation)) {
      throw new CliError(opts.escalation === undefined ? `run "${id}" has no pending escalation` : `escalation "${opts.escalation}" is not pending`);
    }
    if (opts.json) {
      printJson(pending);
      return;
    }
    print('pending escalation');
    print(escalationView(pending, { workflowId: id }));
    print(`  resolve with: ${resolveHint(id, pending)}`);
  });
}

function readSigner(name: string, keyFile: string): ResolutionSigner {
  try {
    return loadSigner(name, keyFile);
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err));
  }
}
