/**
 * The client API: start a run, await its result, read its status and trace, resolve an escalation, list runs.
 * Everything a backend service, the CLI and the tests do goes through here.
 */
import { signResolution, type ResolutionSigner } from './sign-resolution';
import { createHash, randomUUID } from 'node:crypto';
import {
  Client,
  type Connection,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, WorkflowExecutionAlreadyStartedError, type LoadedDataConverter, type Payload, type QueryDefinition } from '@temporalio/common';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import { optionalTsToDate, requiredTsToDate } from '@temporalio/common/lib/time';
import type { temporal } from '@temporalio/proto';
// Fetched history holds External Storage references as they are; this reads them back (the SDK's own runner).
import { ExternalStorageRunner } from '@temporalio/common/lib/internal-non-workflow';
import type { Resolution, ResolutionOutcome, Escalation } from '../common/escalation';
import { runInputProblem, type AgentRunInput, type AgentRunResult, type LedgerEntry, type RunOptions, type RunState, type RunStatus } from '../common/run';
import { AGENT_NAME, AGENT_STATUS, CORRELATION_ID, ESCALATION_PENDING } from '../common/search-attributes';
import { recordPage, type PageRequest, type RecordKind, type RecordPage } from '../common/run-record';
import type { TraceEvent } from '../common/trace';
import type { agentWorkflow } from '../workflows';
import {
  cancelRequestSignal,
  ledgerPageQuery,
  ledgerQuery,
  pendingEscalationQuery,
  resolveEscalationSignal,
  resolveEscalationUpdate,
  statusQuery,
  tracePageQuery,
  traceQuery,
} from '../workflows/messages';
import { archivedItems, pagedRecord, withWholeRecord, type StoreSource } from './run-record-reader';
import { configFromEnv, encryptionEnv, type ConnectionSettings, type DurableAgentConfig } from '../common/config';
import { WORKFLOW_TASK_TIMEOUT_DEFAULTS } from '../common/defaults';
import { openClientConnection } from '../connection/client-connection';
import { explainRun } from '../common/explain-run';
import { payloadCodecs } from '../data-converter/keys-from-env';
import type { BlobStore } from '../stores/blob-store';
import { openBlobStore, storeConfigFrom } from '../stores/config';
import { withPayloadEncryption } from '../stores/encrypted-store';
import { externalStorage } from '../stores/temporal-storage-driver';
import { tracingInterceptors } from './tracing';
import { classifyUndecodable, isEncryptedPayload, UndecodableRunError, type Undecodable } from './undecodable';

export class RunNotFoundError extends Error {
  override name = 'RunNotFoundError';
}

/**
 * A run already exists under this workflow id (`<agent>-<correlationId>`), running or ended: a correlation id names
 * one run, ever. Still a `WorkflowExecutionAlreadyStartedError`, so a retried start can recognise its own first try.
 */
export class RunAlreadyExistsError extends WorkflowExecutionAlreadyStartedError {
  override name = 'RunAlreadyExistsError';
}

/** The run was not started: its agent, prompt, correlation id or options are malformed (the message says which). */
export class InvalidRunOptionsError extends Error {
  override name = 'InvalidRunOptionsError';
}

/** The workflow refused a resolution: the message says why (not pending, wrong decision, invalid edit...). */
export class ResolutionRejectedError extends Error {
  override name = 'ResolutionRejectedError';
}

export interface StartRunOptions {
  correlationId?: string;
  scenario?: string;
  options?: RunOptions;
  /**
   * How long one workflow task may take on a worker before the server gives it to another (default 5 s; Temporal's
   * is 10 s). A task started on a worker that then dies waits this long, so it bounds how soon such a run resumes
   * (bench/RESULTS.md, recovery). An agent run's task takes milliseconds, a replay of a 4,000-event execution well
   * under a second. Continuations keep it.
   */
  workflowTaskTimeoutMs?: number;
}

export const DEFAULT_WORKFLOW_TASK_TIMEOUT_MS = WORKFLOW_TASK_TIMEOUT_DEFAULTS.defaultMs;

export interface RunSummary {
  workflowId: string;
  runId: string;
  agent: string;
  status: RunStatus;
  correlationId: string;
  escalationPending: boolean;
  startTime: Date;
  closeTime?: Date;
  /**
   * Set when this process cannot decode the run's payloads (its memo, here): why, in one line. The fields above come
   * from search attributes, which are not codec-encoded, so an undecodable run is still listed with them.
   */
  undecodable?: Undecodable;
}

/** How many of the latest runs `holdsEncryptedRuns` looks at: one small visibility page. */
const ENCRYPTION_PROBE_RUNS = 20;

export class AgentClient {
  constructor(
    readonly client: Client,
    readonly settings: ConnectionSettings = configFromEnv().connection,
    /** What `connect` opened for this client (the store, the connection): `close()` closes them, nothing else. */
    private readonly owned: ReadonlyArray<() => Promise<void>> = [],
    /** The workers' blob store: a long run's trace and ledger are archived there (common/run-record.ts). */
    readonly store?: BlobStore,
  ) {}

  /**
   * Closes what `connect` opened: its connection and its blob store (a PostgreSQL pool keeps a process alive).
   * A connection, client or store the application passed in stays open: it is the application's to close.
   */
  async close(): Promise<void> {
    for (const close of this.owned) await close().catch(() => undefined);
  }

  /**
   * Connects with the configuration's settings (default: the environment's, read once, here: Temporal's profile and
   * TEMPORAL_* variables, docs/connecting.md), overridden by `overrides`. A connection that fails is a
   * `TemporalConnectionError` whose one line says why: nothing answering, a TLS handshake, refused credentials.
   *
   * An application that already has a connection passes it instead (`opts.connection`), or its `Client`
   * (`opts.client`: its connection, and its namespace unless `overrides` names one). Either way this client keeps
   * its own data converter (payload encryption, External Storage) and interceptors, and the connection stays the
   * application's to close.
   *
   * @example
   * const agents = await AgentClient.connect({ taskQueue: 'agents' }, { config: configFromEnv() });
   * const shared = await AgentClient.connect({}, { client: existingClient });
   */
  static async connect(
    overrides: Partial<ConnectionSettings> = {},
    opts: { store?: BlobStore; config?: DurableAgentConfig; connection?: Connection; client?: Client } = {},
  ): Promise<AgentClient> {
    const config = opts.config ?? configFromEnv();
    const settings = { ...config.connection, ...overrides };
    if (opts.client && overrides.namespace === undefined) settings.namespace = opts.client.options.namespace;
    const keys = encryptionEnv(config.encryption);
    // The workers' store: a long run's result (its trace) or a big prompt may be there rather than in history.
    const store = opts.store ?? withPayloadEncryption(await openBlobStore(storeConfigFrom(config.store)), keys);
    const connection = opts.connection ?? opts.client?.connection ?? (await openClientConnection(settings));
    // Payloads are encrypted when DURABLE_AGENT_PAYLOAD_KEY is set (data-converter/): the server stores ciphertext.
    // OpenTelemetry (client/tracing.ts): a StartWorkflow span, parent of the run's spans, when this process traces.
    const client = new Client({
      connection,
      namespace: settings.namespace,
      dataConverter: { payloadCodecs: payloadCodecs(keys), externalStorage: externalStorage(store, { thresholdBytes: config.payloads.offloadBytes }) },
      interceptors: tracingInterceptors(),
    });
    const owned = [...(opts.connection || opts.client ? [] : [() => connection.close()]), ...(opts.store ? [] : [() => store.close()])];
    return new AgentClient(client, settings, owned, store);
  }

  /**
   * Starts a run. The workflow id is readable: `<agent>-<correlationId>`. Malformed input starts nothing
   * (`InvalidRunOptionsError`); a correlation id already used, by a run still going or one that has ended, is
   * refused (`RunAlreadyExistsError`).
   *
   * @example
   * const run = await agents.start('ops', 'Refund order ord_1001', { correlationId: 'ticket-4711' });
   * const result = await run.result();
   */
  async start(agent: string, prompt: string, opts: StartRunOptions = {}): Promise<AgentRun> {
    const correlationId = opts.correlationId ?? randomUUID();
    const problem = runInputProblem({ agent, prompt, correlationId, options: opts.options });
    if (problem) throw new InvalidRunOptionsError(`cannot start a run: ${problem}`);
    const taskTimeout = opts.workflowTaskTimeoutMs;
    // Temporal accepts up to 120 s; under a second, a replay on a busy worker could time out again and again.
    const { minMs, maxMs } = WORKFLOW_TASK_TIMEOUT_DEFAULTS;
    if (taskTimeout !== undefined && !(Number.isInteger(taskTimeout) && taskTimeout >= minMs && taskTimeout <= maxMs)) {
      throw new InvalidRunOptionsError(
        `cannot start a run: workflowTaskTimeoutMs: expected an integer from ${minMs} to ${maxMs} (ms), got ${String(taskTimeout)}`,
      );
    }
    const input: AgentRunInput = { agent, prompt, correlationId, scenario: opts.scenario, options: opts.options };
    const firstLine = prompt.split('\n')[0]?.slice(0, 200) ?? '';
    const workflowId = `${agent}-${correlationId}`;
    const handle = await this.client.workflow.start<typeof agentWorkflow>('agentWorkflow', {
      taskQueue: this.settings.taskQueue,
      workflowId,
      // Temporal's default lets a new execution reuse the id of a closed one: a second run would reuse the first's
      // escalation ids and, with deterministic tool_use ids, its idempotency keys. One correlation id, one run.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      workflowTaskTimeout: opts.workflowTaskTimeoutMs ?? DEFAULT_WORKFLOW_TASK_TIMEOUT_MS,
      args: [input],
      typedSearchAttributes: [
        { key: AGENT_NAME, value: agent },
        { key: CORRELATION_ID, value: correlationId },
        { key: AGENT_STATUS, value: 'running' },
        { key: ESCALATION_PENDING, value: false },
      ],
      memo: { agent, prompt: firstLine, mode: opts.options?.mode ?? 'act', correlationId },
      // What the Temporal UI shows for the run, before anyone opens its history.
      staticSummary: `${agent}: ${firstLine}`,
      staticDetails: [
        `**agent** ${agent} · **mode** ${opts.options?.mode ?? 'act'} · **correlation id** ${correlationId}`,
        opts.options?.scope ? `**scope** ${opts.options.scope.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('\n\n'),
    }).catch((err: unknown) => {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        throw new RunAlreadyExistsError(`a run with id "${workflowId}" already exists`, workflowId, err.workflowType);
      }
      throw err;
    });
    return new AgentRun(handle, handle.firstExecutionRunId, () => this.store);
  }

  /** A handle on an existing run; fails with RunNotFoundError when there is none. */
  async run(workflowId: string): Promise<AgentRun> {
    // The server answers an empty id with a bare INVALID_ARGUMENT, not "not found".
    if (typeof workflowId !== 'string' || workflowId.trim() === '') throw new RunNotFoundError(`no run with id ${JSON.stringify(workflowId)}`);
    const handle = this.client.workflow.getHandle<typeof agentWorkflow>(workflowId);
    try {
      await handle.describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new RunNotFoundError(`no run with id "${workflowId}"`);
      // The run exists; only its memo cannot be decoded here. Each read then says why (UndecodableRunError).
      if (!classifyUndecodable(err)) throw err;
    }
    return new AgentRun(handle, undefined, () => this.store);
  }

  /**
   * Lists runs through Temporal's visibility store (works across workers and restarts). A run whose payloads this
   * process cannot decode (encrypted without the key here, a rotated-out key, another codec) is listed all the same,
   * with `undecodable` saying why: one such run never hides the others.
   */
  async list(filter: { status?: RunStatus; agent?: string; limit?: number } = {}): Promise<RunSummary[]> {
    // A run that continued as new is one run: list its current execution, not the closed ones before it.
    const clauses = [`WorkflowType = 'agentWorkflow'`, `ExecutionStatus != 'ContinuedAsNew'`];
    if (filter.status) clauses.push(`${AGENT_STATUS.name} = '${filter.status}'`);
    // Backslashes first: `x\` would otherwise escape the closing quote and break the query.
    if (filter.agent) clauses.push(`${AGENT_NAME.name} = '${filter.agent.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);
    const runs: RunSummary[] = [];
    for await (const raw of this.rawList(clauses.join(' AND '), filter.limit)) {
      runs.push(await this.summaryOf(raw));
      if (filter.limit && runs.length >= filter.limit) break;
    }
    return runs;
  }

  /** Whether this process encrypts and decrypts payloads (a payload key is configured). */
  get hasPayloadKey(): boolean {
    return this.client.options.loadedDataConverter.payloadCodecs.length > 0;
  }

  /**
   * Whether the latest runs in the namespace (the last 20) carry our encryption, read from their memo's metadata:
   * one visibility call, nothing decrypted. A process without a key says so once at start (`NO_KEY_WARNING`).
   */
  async holdsEncryptedRuns(): Promise<boolean> {
    let seen = 0;
    for await (const raw of this.rawList(`WorkflowType = 'agentWorkflow'`, ENCRYPTION_PROBE_RUNS)) {
      if (Object.values(raw.memo?.fields ?? {}).some((p) => isEncryptedPayload(p))) return true;
      // One page, never the whole namespace: this runs at the start of every command without a key.
      if (++seen >= ENCRYPTION_PROBE_RUNS) break;
    }
    return false;
  }

  /**
   * Visibility pages, undecoded: the SDK's `workflow.list` decodes every memo as it goes, and one it cannot decode
   * ends the iteration for every run after it.
   */
  private async *rawList(query: string, limit?: number): AsyncGenerator<temporal.api.workflow.v1.IWorkflowExecutionInfo> {
    let nextPageToken: Uint8Array | undefined;
    for (;;) {
      const response = await this.client.workflowService.listWorkflowExecutions({
        namespace: this.client.options.namespace,
        query,
        nextPageToken,
        pageSize: limit !== undefined && limit > 0 ? Math.min(limit, 1000) : undefined,
      });
      yield* response.executions;
      nextPageToken = response.nextPageToken;
      if (!nextPageToken || nextPageToken.length === 0) return;
    }
  }

  private async summaryOf(raw: temporal.api.workflow.v1.IWorkflowExecutionInfo): Promise<RunSummary> {
    const attrs = decodeTypedSearchAttributes(raw.searchAttributes?.indexedFields);
    const summary: RunSummary = {
      workflowId: raw.execution?.workflowId ?? '',
      runId: raw.execution?.runId ?? '',
      agent: attrs.get(AGENT_NAME) ?? '',
      status: (attrs.get(AGENT_STATUS) as RunStatus | undefined) ?? 'running',
      correlationId: attrs.get(CORRELATION_ID) ?? '',
      escalationPending: attrs.get(ESCALATION_PENDING) ?? false,
      startTime: requiredTsToDate(raw.startTime, 'startTime'),
      closeTime: optionalTsToDate(raw.closeTime),
    };
    try {
      await decodePayloads(this.client.options.loadedDataConverter, Object.values(raw.memo?.fields ?? {}));
    } catch (err) {
      // Anything that fails decoding a memo is a decoding problem, classified or not.
      summary.undecodable = classifyUndecodable(err) ?? { cause: 'corrupt', detail: `they are corrupt: ${firstLine(err)}` };
    }
    return summary;
  }
}

export class AgentRun {
  constructor(
    readonly handle: WorkflowHandle<typeof agentWorkflow>,
    private knownRunId?: string,
    /** Where the run's archived record is read from (the client's store). */
    private readonly store: StoreSource = () => undefined,
  ) {}

  /** The execution's run id (the Temporal UI's links need it). */
  async runId(): Promise<string> {
    this.knownRunId ??= (await this.describe()).runId;
    return this.knownRunId;
  }

  /**
   * Temporal's description of the execution (status, times, task queue, memo). Unlike `handle.describe()`, a memo
   * this process cannot decode fails with an `UndecodableRunError` naming the run and the cause.
   */
  async describe(): Promise<WorkflowExecutionDescription> {
    return this.decoded(() => this.handle.describe());
  }

  get workflowId(): string {
    return this.handle.workflowId;
  }

  /**
   * Waits for the run to end. A failed run resolves too, with status `failed` and the reason as text. The trace and
   * ledger are whole: read back from the store where the run archived them. For a very long run, `outcome()` gives
   * the same without them (their heads in `record`), and `traceEvents()` reads the trace a page at a time.
   */
  async result(): Promise<AgentRunResult> {
    return withWholeRecord(await this.outcome(), this.store);
  }

  /** The run's result as the workflow returned it: the summary, with the record by reference (`record`). */
  async outcome(): Promise<AgentRunResult> {
    return this.decoded(async () => {
      try {
        return await this.handle.result();
      } catch (err) {
        const failed = failedRunResult(err);
        if (failed) return failed;
        if (err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure) return this.cancelledResult();
        throw err;
      }
    });
  }

  /** The run's input, as recorded in its history (the first event): what it was asked, and how. */
  async input(): Promise<AgentRunInput> {
    const history = await this.handle.fetchHistory();
    const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    if (!payload) throw new Error(`run "${this.workflowId}" has no recorded input`);
    const [input] = await this.decoded(() => decodePayloads(this.handle.client.options.loadedDataConverter, [payload]));
    return input as AgentRunInput;
  }

  /** A plain-language account of the run so far: what it was asked, each decision and why, each action, the end. */
  async explain(): Promise<string> {
    return explainRun(await this.input(), await this.trace());
  }

  /** The action ledger: every write and irreversible call that ran, with its idempotency key and approver. */
  async ledger(): Promise<LedgerEntry[]> {
    return collect(this.ledgerEntries());
  }

  /** The ledger one entry at a time, from entry `from`: read a page at a time from the run and the store. */
  ledgerEntries(from = 0): AsyncGenerator<LedgerEntry> {
    return this.recordItems('ledger', from, (request) => this.pageOf(ledgerPageQuery, ledgerQuery, request));
  }

  /**
   * Cancels the run. In-flight tool activities are asked to stop (they see it at their next heartbeat); the
   * trace records who cancelled and why; the execution ends Canceled.
   */
  async cancel(request: { by: string; reason?: string }): Promise<void> {
    if (!request.by?.trim()) throw new Error('cancelling a run needs the name of who cancels it ("by")');
    await this.handle.signal(cancelRequestSignal, request);
    await this.handle.cancel();
  }

  /** Status, step, usage and pending escalation. A closed run is read from its history, with no worker needed. */
  async status(): Promise<RunState> {
    const closed = await this.closedOutcome();
    if (!closed) return this.decoded(() => this.handle.query(statusQuery));
    return {
      status: closed.status,
      mode: closed.mode,
      agent: closed.agent,
      correlationId: closed.correlationId,
      step: closed.steps,
      usage: closed.usage,
      costUsd: closed.costUsd,
      pendingEscalation: null,
    };
  }

  /** The run's whole trace so far, every execution's. */
  async trace(): Promise<TraceEvent[]> {
    return collect(this.traceEvents());
  }

  /** The trace one event at a time, from event `from` (its `seq`): read a page at a time from the run and the store. */
  traceEvents(from = 0): AsyncGenerator<TraceEvent> {
    return this.recordItems('trace', from, (request) => this.pageOf(tracePageQuery, traceQuery, request));
  }

  /** A closed run's record from its outcome (archived part, then inline rest); a running one's, page by page. */
  private async *recordItems<K extends RecordKind>(
    kind: K,
    from: number,
    page: (request: PageRequest) => Promise<RecordPage<RecordItem<K>>>,
  ): AsyncGenerator<RecordItem<K>> {
    const closed = await this.closedOutcome();
    if (!closed) {
      yield* pagedRecord(page, this.store, kind, from);
      return;
    }
    const archived = closed.record?.[kind] ?? null;
    const inline = closed[kind] as RecordItem<K>[];
    yield* await archivedItems<RecordItem<K>>(this.store, kind, archived, from);
    yield* inline.slice(Math.max(0, from - (archived?.count ?? 0)));
  }

  /**
   * A page of the run's record from its query. A worker from before records were archived has no page queries: it
   * holds the whole record, and its plain query answers with all of it.
   */
  private async pageOf<T>(page: QueryDefinition<RecordPage<T>, [PageRequest?]>, whole: QueryDefinition<T[]>, request: PageRequest): Promise<RecordPage<T>> {
    try {
      return await this.decoded(() => this.handle.query(page, request));
    } catch (err) {
      if (!(err instanceof Error) || !/handler for .*Page|did not register/i.test(err.message)) throw err;
      const items = await this.decoded(() => this.handle.query(whole));
      return recordPage(items, 0, null, { ...request, limit: items.length });
    }
  }

  async pendingEscalation(): Promise<Escalation | null> {
    if (await this.closedOutcome()) return null;
    return this.decoded(() => this.handle.query(pendingEscalationQuery));
  }

  /**
   * Resolves the pending escalation through the validated Update, and returns once the run has acted on it.
   * Sending the same resolution twice is harmless: the Update id is derived from it, so Temporal deduplicates.
   * With `signer`, the resolution carries a signature binding it to the pending escalation: agents that configure
   * approver keys accept nothing else.
   *
   * @example
   * await run.resolve({ escalationId, decision: 'approve', by: 'pat' }, { signer: loadSigner('pat', 'pat.key') });
   */
  async resolve(resolution: Resolution, opts: { signer?: ResolutionSigner } = {}): Promise<ResolutionOutcome> {
    const sent = opts.signer ? await this.signed(resolution, opts.signer) : resolution;
    try {
      return await this.handle.executeUpdate(resolveEscalationUpdate, {
        args: [sent],
        updateId: resolutionUpdateId(sent),
      });
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) {
        throw new ResolutionRejectedError(err.cause?.message ?? err.message);
      }
      // The server refuses Updates to a closed execution ("workflow execution already completed").
      if (err instanceof WorkflowNotFoundError || (err instanceof Error && /already completed/i.test(err.message))) {
        throw new ResolutionRejectedError(`run "${this.workflowId}" has ended; there is nothing to resolve`);
      }
      throw err;
    }
  }

  /** The same resolution as a Signal (fire-and-forget; a refusal shows in the trace as an unaccepted resolution). */
  async resolveBySignal(resolution: Resolution, opts: { signer?: ResolutionSigner } = {}): Promise<void> {
    await this.handle.signal(resolveEscalationSignal, opts.signer ? await this.signed(resolution, opts.signer) : resolution);
  }

  /** Signs for the escalation the run is waiting on: the signature names it, so it cannot be replayed elsewhere. */
  private async signed(resolution: Resolution, signer: ResolutionSigner): Promise<Resolution> {
    const pending = await this.pendingEscalation();
    if (!pending || pending.id !== resolution.escalationId) {
      throw new ResolutionRejectedError(`escalation "${resolution.escalationId}" is not pending; nothing was signed`);
    }
    return signResolution(pending, resolution, signer);
  }

  /** A Canceled execution carries no result: its trace is read with queries (which a worker answers from history). */
  private async cancelledResult(): Promise<AgentRunResult> {
    const { runId } = await this.describe();
    const trace = await collect(pagedRecord((request) => this.pageOf(tracePageQuery, traceQuery, request), this.store, 'trace'));
    const ledger = await collect(pagedRecord((request) => this.pageOf(ledgerPageQuery, ledgerQuery, request), this.store, 'ledger'));
    const state = await this.handle.query(statusQuery);
    const end = [...trace].reverse().find((e) => e.kind === 'completion');
    return {
      status: 'cancelled',
      agent: state.agent,
      correlationId: state.correlationId,
      workflowId: this.workflowId,
      runId,
      text: end && end.kind === 'completion' ? end.text : 'cancelled',
      steps: state.step,
      usage: state.usage,
      costUsd: state.costUsd,
      mode: state.mode,
      recommendations: [],
      ledger,
      trace,
    };
  }

  /**
   * Runs a read of the run's payloads; one this process cannot decode becomes an `UndecodableRunError` that names
   * the run and the likely cause (client/undecodable.ts), instead of the converter's bare "Unknown encoding".
   */
  private async decoded<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (err) {
      if (err instanceof Error && err.name === 'UndecodableRunError') throw err;
      const undecodable = classifyUndecodable(err);
      if (undecodable) throw new UndecodableRunError(this.workflowId, undecodable);
      throw err;
    }
  }

  /** The outcome of a closed run (its record by reference), or undefined while it runs. */
  private async closedOutcome(): Promise<AgentRunResult | undefined> {
    const description = await this.describe();
    if (description.status.name === 'RUNNING') return undefined;
    return this.outcome();
  }
}

/**
 * Payloads as a client reads them: back from External Storage when a reference, through the codecs (last first),
 * then the payload converter. What the SDK does for a query result, for payloads it does not read itself.
 */
async function decodePayloads(converter: LoadedDataConverter, payloads: Payload[]): Promise<unknown[]> {
  const { payloadConverter, payloadCodecs: codecs, externalStorage: storage } = converter;
  // A large payload (a long prompt, a continued run's carried state) is in the store, referenced from history.
  let decoded = storage ? await new ExternalStorageRunner(storage).retrieve(payloads) : payloads;
  for (const codec of [...codecs].reverse()) decoded = await codec.decode(decoded);
  return decoded.map((p) => payloadConverter.fromPayload(p));
}

/** What each record holds. */
type RecordItem<K extends RecordKind> = K extends 'trace' ? TraceEvent : LedgerEntry;

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0] ?? message;
}

/** Same decision by the same person on the same escalation → same Update id → deduplicated by Temporal. */
function resolutionUpdateId(r: Resolution): string {
  const digest = createHash('sha256').update(JSON.stringify([r.decision, r.by, r.args ?? null, r.text ?? null]));
  return `resolve/${r.escalationId}/${digest.digest('hex').slice(0, 16)}`;
}

/** A run that failed on purpose carries its result in the failure's details. */
function failedRunResult(err: unknown): AgentRunResult | undefined {
  if (!(err instanceof WorkflowFailedError) || !(err.cause instanceof ApplicationFailure)) return undefined;
  const details = err.cause.details?.[0] as AgentRunResult | undefined;
  if (details && typeof details === 'object' && 'trace' in details) return { ...details, status: 'failed' };
  return undefined;
}
