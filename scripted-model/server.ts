/**
 * A loopback HTTP server that speaks the Anthropic Messages API, errors included, and plays scenario files.
 * The real SDK is pointed at it (`baseURL`), so tests and the demo exercise the same client code as production.
 *
 * Which answer a request gets depends on the request alone (its count of assistant messages), so a retried or
 * resumed step gets the same answer. Only the count of scripted errors already served is process memory.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkExpectations } from './expectations';
import { countAssistantMessages, fallbackRunKey, parseMessagesRequest } from './request';
import { loadScenario, type Fault, type LoadedScenario, type ScriptedError } from './scenario';
import { buildMessage, errorBody, errorTypeFor, newRequestId } from './wire';
import { readBody } from '../http/read-body';
import { SCRIPTED_MODEL_DEFAULTS } from '../common/defaults';
import { RUN_HEADER, SCENARIO_HEADER } from '../common/scripted-model-headers';

// The headers are defined with the model activity that sends them; exported here too, for tests and tools.
export { RUN_HEADER, SCENARIO_HEADER };

/** Bodies past this are refused like the real API's 413, rather than buffered without bound. */
const MAX_BODY_BYTES = SCRIPTED_MODEL_DEFAULTS.maxBodyBytes;

export interface ScriptedModelServerOptions {
  /** Default 127.0.0.1: the server is for loopback use only. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Where bare scenario names are looked up, in order, as `<dir>/<name>.json`. */
  scenarioDirs: string[];
  /** Played when a request has no scenario header. */
  defaultScenario?: string;
  /** Oldest recorded requests are dropped past this many, so a long-running demo server stays small. Default 1000. */
  maxRecordedRequests?: number;
}

export interface RecordedRequest {
  /** ISO time the request arrived. */
  at: string;
  requestId: string;
  /** The scenario as requested (name or path); null when none was given. */
  scenario: string | null;
  runKey: string | null;
  turn: number | null;
  /** 0-based attempt of this turn for this run; null when the request failed before a turn was chosen. */
  attempt: number | null;
  /** The parsed JSON body (or the raw text when it was not JSON). */
  body: unknown;
  /**
   * The request's headers as they arrived (names lower-case), credentials included: tests assert what a client sends
   * a non-Anthropic server (a real API key must never arrive here). Kept in this process only, like the bodies.
   */
  headers: Record<string, string>;
  /** The HTTP status sent; 0 while the answer is pending, or when no response was sent (a reset, a stall). */
  status: number;
  /** The error message sent, for non-200 answers, or what the fault did. */
  error?: string;
  /** The transport fault played instead of an answer, if one was. */
  fault?: Fault;
  /**
   * Set when the client closed the connection before an answer was sent (it timed out or aborted the request):
   * how long after the request arrived. A stalled or slow answer shows whether the client gave up, and when.
   */
  clientClosedAfterMs?: number;
}

export interface ScriptedModelServer {
  /** e.g. http://127.0.0.1:PORT, no trailing slash: pass it as the SDK's `baseURL`. */
  url: string;
  port: number;
  /** Every /v1/messages request, in arrival order; one still waiting for its answer has status 0. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** An answer that ends the request: an API error with its status (and the body the real API would send). */
class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errorType: string = errorTypeFor(status),
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function firstHeader(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

function headerRecord(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

const CREDENTIAL_HEADERS = new Set(['authorization', 'x-api-key', 'proxy-authorization', 'cookie']);

function maskCredentials(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, CREDENTIAL_HEADERS.has(name) ? '[masked]' : value]));
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  // The client may have given up (timed out) while a scripted delay ran; there is nobody left to answer.
  if (res.destroyed || res.writableEnded) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function connectableUrl(address: AddressInfo): string {
  const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

export async function startScriptedModelServer(opts: ScriptedModelServerOptions): Promise<ScriptedModelServer> {
  const requests: RecordedRequest[] = [];
  const maxRecorded = opts.maxRecordedRequests ?? SCRIPTED_MODEL_DEFAULTS.maxRecordedRequests;
  /** Attempts served per (run, scenario, turn): what makes "error for the first N attempts" work. */
  const attempts = new Map<string, number>();
  /** Pending scripted delays, woken on close so close() never waits on a sleeping answer. */
  const sleepers = new Set<() => void>();
  let closing = false;

  function sleep(ms: number | undefined): Promise<void> {
    if (!ms || closing) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleepers.add(wake);
    });
  }

  function record(entry: RecordedRequest): void {
    requests.push(entry);
    if (requests.length > maxRecorded) requests.splice(0, requests.length - maxRecorded);
  }

  /** Resolves when the connection closes: the client gave up, or the server is closing. */
  function untilClosed(res: ServerResponse): Promise<void> {
    if (res.destroyed || closing) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        sleepers.delete(wake);
        res.off('close', wake);
        resolve();
      };
      sleepers.add(wake);
      res.once('close', wake);
    });
  }

  /**
   * Plays a transport fault. The answer the turn would have given is still built, so `truncate` and `invalid_json`
   * carry a realistic body; `reset` and `truncate` close the connection from our side.
   */
  async function playFault(fault: Fault, res: ServerResponse, entry: RecordedRequest, answer: () => unknown): Promise<void> {
    entry.fault = fault;
    if (fault === 'stall') {
      entry.error = 'fault stall: no answer sent';
      await untilClosed(res);
      return;
    }
    if (fault === 'reset') {
      entry.error = 'fault reset: connection dropped without a response';
      res.destroy();
      return;
    }
    const text = JSON.stringify(answer());
    entry.status = 200;
    if (fault === 'invalid_json') {
      // Complete as far as HTTP goes (the length matches), but the JSON lacks its closing braces.
      entry.error = 'fault invalid_json: a 200 whose body is not valid JSON';
      const body = text.slice(0, -2);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    // truncate: the headers promise the whole body, half of it arrives, then the connection closes.
    entry.error = 'fault truncate: the body stopped halfway and the connection closed';
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.write(text.slice(0, Math.floor(text.length / 2)), () => res.destroy());
  }

  async function handleMessages(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const arrived = Date.now();
    let answered = false;
    const entry: RecordedRequest = {
      at: new Date().toISOString(),
      requestId,
      scenario: null,
      runKey: null,
      turn: null,
      attempt: null,
      body: null,
      headers: headerRecord(req),
      status: 0,
    };
    // Recorded on arrival and completed as the answer goes out, so a request still waiting (a stall) shows too.
    record(entry);
    res.once('close', () => {
      // Closed before an answer went out (a fault we played counts as one): the client gave up on this request.
      if (!answered && !closing) entry.clientClosedAfterMs = Date.now() - arrived;
    });
    const baseHeaders = { 'request-id': requestId };
    try {
      const raw = await readBody(req, MAX_BODY_BYTES, () => new ApiFailure(413, `request body exceeds ${MAX_BODY_BYTES} bytes`));
      try {
        entry.body = JSON.parse(raw);
      } catch {
        entry.body = raw;
        throw new ApiFailure(400, 'request body is not valid JSON');
      }
      const request = parseMessagesRequest(entry.body);
      if (typeof request === 'string') throw new ApiFailure(400, request);
      if (request.stream === true) throw new ApiFailure(400, 'streaming is not supported by the scripted model');

      const scenarioRef = firstHeader(req, SCENARIO_HEADER) ?? opts.defaultScenario;
      if (scenarioRef === undefined) {
        throw new ApiFailure(
          400,
          `scripted model: no scenario: send the ${SCENARIO_HEADER} header or start the server with a default scenario`,
        );
      }
      entry.scenario = scenarioRef;
      let loaded: LoadedScenario;
      try {
        loaded = loadScenario(scenarioRef, opts.scenarioDirs);
      } catch (err) {
        throw new ApiFailure(400, `scripted model: ${err instanceof Error ? err.message : String(err)}`);
      }
      const { scenario, file } = loaded;

      const turnIndex = countAssistantMessages(request);
      const runKey = firstHeader(req, RUN_HEADER) ?? fallbackRunKey(request);
      entry.turn = turnIndex;
      entry.runKey = runKey;
      const turn = scenario.turns[turnIndex];
      if (!turn) {
        throw new ApiFailure(
          400,
          `scripted model: scenario "${scenario.name}" has no turn ${turnIndex} (it has ${scenario.turns.length})`,
        );
      }
      // Checked before an attempt is counted: a wrong request is wrong on every attempt.
      const failures = checkExpectations(turn.expect, request);
      if (failures.length > 0) {
        throw new ApiFailure(
          400,
          `scripted model: scenario "${scenario.name}" turn ${turnIndex} expectation failed: ${failures.join('; ')}`,
        );
      }

      const key = JSON.stringify([runKey, file, turnIndex]);
      const attempt = attempts.get(key) ?? 0;
      attempts.set(key, attempt + 1);
      entry.attempt = attempt;

      const scripted: ScriptedError | undefined = turn.errors?.[attempt];
      if (scripted?.fault) {
        await sleep(scripted.delayMs);
        // Every fault but a stall is the answer; a stall waits for the client to give up.
        answered = scripted.fault !== 'stall';
        await playFault(scripted.fault, res, entry, () =>
          buildMessage(turn, turnIndex, runKey, request.model, Buffer.byteLength(raw)),
        );
        return;
      }
      if (scripted) {
        await sleep(scripted.delayMs);
        const headers: Record<string, string> =
          scripted.retryAfter === undefined ? {} : { 'retry-after': String(scripted.retryAfter) };
        const status = scripted.status as number;
        throw new ApiFailure(
          status,
          scripted.message ??
            `scripted ${status} for scenario "${scenario.name}" turn ${turnIndex} attempt ${attempt}`,
          scripted.type ?? errorTypeFor(status),
          headers,
        );
      }
      await sleep(turn.delayMs);
      const message = buildMessage(turn, turnIndex, runKey, request.model, Buffer.byteLength(raw));
      entry.status = 200;
      sendJson(res, 200, message, baseHeaders);
      answered = true;
    } catch (err) {
      const failure =
        err instanceof ApiFailure
          ? err
          : // A bug in the server itself: answer loudly, like the real API's 500.
            new ApiFailure(500, `scripted model internal error: ${err instanceof Error ? err.message : String(err)}`);
      entry.status = failure.status;
      entry.error = failure.message;
      answered = true;
      sendJson(res, failure.status, errorBody(failure.errorType, failure.message, requestId), {
        ...baseHeaders,
        ...failure.headers,
      });
    }
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const requestId = newRequestId();
    // The SDK may add query strings (`?beta=true`); routing is by path alone.
    const path = new URL(req.url ?? '/', 'http://scripted-model').pathname;
    if (req.method === 'POST' && path === '/v1/messages') {
      void handleMessages(req, res, requestId);
      return;
    }
    if (req.method === 'GET' && path === '/health') {
      sendJson(res, 200, { ok: true });
      return;
    }
    if (req.method === 'GET' && path === '/requests') {
      // Over HTTP the credentials are masked: anything on loopback can ask. Tests read `requests` in process.
      sendJson(res, 200, requests.map((r) => ({ ...r, headers: maskCredentials(r.headers) })));
      return;
    }
    req.resume();
    const message = `${req.method ?? 'GET'} ${path} is not served by the scripted model`;
    sendJson(res, 404, errorBody('not_found_error', message, requestId), { 'request-id': requestId });
  }

  const server: Server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;

  return {
    url: connectableUrl(address),
    port: address.port,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        closing = true;
        for (const wake of [...sleepers]) wake();
        server.close((err) => (err ? reject(err) : resolve()));
        // The SDK keeps connections alive; without this, close() would wait for them to idle out.
        server.closeAllConnections();
      }),
  };
}
