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

const API_KEY = /sk-ant-[A-Za-z0-9_-]{8,}/g;
const LEVELS: Record<LogLevel, pino.Level> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

export interface JsonLoggerOptions {
  level?: LogLevel;
  /** Extra pino redaction paths (DURABLE_AGENT_LOG_REDACT adds to these). */
  redact?: string[];
  /** Where lines go; stdout by default. */
  destination?: DestinationStream;
}

export function createJsonLogger(opts: JsonLoggerOptions = {}, env: NodeJS.ProcessEnv = process.env): Logger {
  const paths = [...(opts.redact ?? []), ...(env.DURABLE_AGENT_LOG_REDACT ?? '').split(',').map((p) => p.trim()).filter(Boolean)];
  const base = pino(
    {
      level: LEVELS[opts.level ?? 'INFO'],
      base: { service: 'durable-agent-worker' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }), log: (object) => scrub(object) as Record<string, unknown> },
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

function scrubString(text: string): string {
  return text.replace(API_KEY, '[redacted api key]');
}

function scrub(value: unknown): unknown {
  if (typeof value === 'string') return scrubString(value);
  if (Array.isArray(value)) return value.map(scrub);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v)]));
  }
  return value;
}
