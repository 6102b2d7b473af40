/**
 * How the CLI fails: one line on stderr, `durable-agent: error: <message>`, and an exit code. Stack traces only
 * when `DEBUG` is set: a person at a terminal needs the reason, not the call stack.
 */
import { CommanderError } from 'commander';
import { terminalSafe } from '../common/text';

/** Bad input or an unmet precondition, said in words. Exit code 1 unless told otherwise (2: usage). */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** One line: the first line of the message, with a hint when more was cut off. */
export function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const lines = message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const first = lines[0] ?? (err instanceof Error ? err.name : 'unknown error');
  return lines.length > 1 && !process.env.DEBUG ? `${first} (set DEBUG=1 for details)` : first;
}

export function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  if (err instanceof Error && err.name === 'CliError') return (err as CliError).exitCode;
  return EXIT_FAILURE;
}

/** Prints the error the way every command does and returns the exit code to use. */
export function reportError(err: unknown): number {
  const code = exitCodeOf(err);
  // Commander has already printed its own usage errors (through outputError), and help/version exit 0.
  if (err instanceof CommanderError) return code;
  // An error can quote untrusted text (a refused resolution's note, a model's message): escaped for the terminal.
  process.stderr.write(`durable-agent: error: ${terminalSafe(oneLine(err))}\n`);
  if (process.env.DEBUG && err instanceof Error && err.stack) process.stderr.write(`${terminalSafe(err.stack, { multiline: true })}\n`);
  return code;
}
