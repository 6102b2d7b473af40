/**
 * Structured logs for the worker: one JSON object per line (pino), with the correlation id, workflow id and step
 * that activities attach, so a run's lines can be found by the same id as its trace and spans.
 *
 * Redaction, two layers: fields named in DURABLE_AGENT_LOG_REDACT (comma-separated pino paths, for example
 * `email,args.cardNumber`) are replaced; and any string that looks like an Anthropic API key is scrubbed wherever
 * it appears, whatever the configuration, because a key must never reach a log.
 */
import pino, { type DestinationStream } from 'pino';
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import { configFromEnv } from '../common/config';
import { scrubDeep, scrubString } from '../common/redact';

const LEVELS: Record<LogLevel, pino.Level> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

export interface JsonLoggerOptions {
  level?: LogLevel;
  /** Pino redaction paths: the worker passes DURABLE_AGENT_LOG_REDACT's (`configFromEnv().worker.logRedact`). */
  redact?: string[];
  /** Where lines go; stdout by default. */
  destination?: DestinationStream;
}

/**
 * A Temporal `Logger` writing JSON lines. `env` is read for DURABLE_AGENT_LOG_REDACT only when given explicitly
 * (tests); a worker passes `redact` from its configuration (common/config.ts).
 *
 * @example
 * Runtime.install({ logger: createJsonLogger({ level: 'INFO', redact: configFromEnv().worker.logRedact }) });
 */
export function createJsonLogger(opts: JsonLoggerOptions = {}, env?: Readonly<Record<string, string | undefined>>): Logger {
  const fromEnv = env ? configFromEnv(env).worker.logRedact : [];
  const paths = [...(opts.redact ?? []), ...fromEnv];
  const base = pino(
    {
      level: LEVELS[opts.level ?? 'INFO'],
      base: { service: 'durable-agent-worker' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }), log: (object) => scrubDeep(object) as Record<string, unknown> },
      hooks: {
        // The message is not part of the object formatters see: scrub it here.
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? scrubString(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    opts.destination ?? pino.destination(1),
  );
  const write = (level: LogLevel, message: string, meta?: LogMetadata) => base[LEVELS[level]](meta ?? {}, message);
  return {
    log: write,
    trace: (m, meta) => write('TRACE', m, meta),
    debug: (m, meta) => write('DEBUG', m, meta),
    info: (m, meta) => write('INFO', m, meta),
    warn: (m, meta) => write('WARN', m, meta),
    error: (m, meta) => write('ERROR', m, meta),
  };
}
