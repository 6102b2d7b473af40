/**
 * (e) LangGraph JS: the usual two-node agent graph (model node, ToolNode, loop while the model calls tools) with
 * the SQLite checkpointer, and @langchain/anthropic's ChatAnthropic pointed at the scripted model. Runs in the
 * bench process; durable through its checkpoints, which are what the history bench measures.
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ChatAnthropic } from '@langchain/anthropic';
import { SystemMessage } from '@langchain/core/messages';
import type { RunnableConfig } from '@langchain/core/runnables';
import { tool } from '@langchain/core/tools';
import { END, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { ToolNode, toolsCondition } from '@langchain/langgraph/prebuilt';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { BENCH_MODEL, BENCH_SYSTEM, KEY_DESCRIPTION, lookupItem, SCENARIO_HEADER, TOOL_DESCRIPTION, TOOL_NAME } from '../agent-spec';
import { stepClock } from '../step-clock';
import { CONTENDER_LABELS, type BenchEnv, type Contender, type RunOutcome, type RunSpec } from './types';

export interface CheckpointBytes {
  /** Serialized checkpoints plus pending writes stored for the thread (the analogue of history bytes). */
  rowBytes: number;
  checkpoints: number;
  writes: number;
}

export class LangGraphAgent implements Contender {
  readonly id = 'e' as const;
  readonly label = CONTENDER_LABELS.e;
  readonly dbFile: string;
  private db?: Database.Database;
  private graph?: ReturnType<typeof buildGraph>;

  constructor(private readonly env: BenchEnv) {
    this.dbFile = path.join(env.dirs.checkpoints, 'langgraph.sqlite');
  }

  async start(): Promise<void> {
    this.db = new Database(this.dbFile);
    // The saver turns WAL on itself; synchronous=normal matches the Temporal dev server's pragmas, so both stores
    // make the same durability promise.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.graph = buildGraph(this.env.modelUrl, new SqliteSaver(this.db));
  }

  async run(spec: RunSpec): Promise<RunOutcome> {
    if (!this.graph) throw new Error('LangGraph contender not started');
    const startedAt = performance.now();
    const base = { runId: spec.runId, markKey: spec.runId };
    try {
      await this.graph.invoke(
        { messages: [{ role: 'user', content: spec.prompt }] },
        // Two supersteps per step (model node, tools node); the default limit of 25 would stop a 13-step run.
        { configurable: { thread_id: spec.runId, scenario: spec.scenario }, recursionLimit: 2 * spec.steps + 10 },
      );
      return { ...base, ok: true, status: 'completed', wallMs: performance.now() - startedAt };
    } catch (err) {
      return { ...base, ok: false, status: 'failed', wallMs: performance.now() - startedAt, detail: String(err) };
    }
  }

  /** What the checkpointer stored for one run (thread). */
  checkpointBytes(runId: string): CheckpointBytes {
    if (!this.db) throw new Error('LangGraph contender not started');
    const cp = this.db
      .prepare('SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(checkpoint) + LENGTH(metadata)), 0) AS bytes FROM checkpoints WHERE thread_id = ?')
      .get(runId) as { n: number; bytes: number };
    const wr = this.db
      .prepare('SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(value)), 0) AS bytes FROM writes WHERE thread_id = ?')
      .get(runId) as { n: number; bytes: number };
    return { rowBytes: cp.bytes + wr.bytes, checkpoints: cp.n, writes: wr.n };
  }

  async takeMarks(keys: string[]): Promise<Record<string, number[]>> {
    return stepClock.take(keys);
  }

  async stop(): Promise<void> {
    this.db?.close();
    this.db = undefined;
  }
}

function buildGraph(modelUrl: string, checkpointer: SqliteSaver) {
  const lookup = tool(
    async (input: { key: string }, config: RunnableConfig) => {
      stepClock.mark(String(config.configurable?.thread_id));
      return JSON.stringify(lookupItem(input));
    },
    { name: TOOL_NAME, description: TOOL_DESCRIPTION, schema: z.object({ key: z.string().describe(KEY_DESCRIPTION) }) },
  );
  const model = new ChatAnthropic({ model: BENCH_MODEL, apiKey: 'scripted-model', anthropicApiUrl: modelUrl, maxRetries: 0, maxTokens: 1024 }).bindTools([lookup]);
  const callModel = async (state: typeof MessagesAnnotation.State, config: RunnableConfig) => {
    const scenario = String(config.configurable?.scenario);
    const reply = await model.invoke([new SystemMessage(BENCH_SYSTEM), ...state.messages], { headers: { [SCENARIO_HEADER]: scenario } });
    return { messages: [reply] };
  };
  return new StateGraph(MessagesAnnotation)
    .addNode('agent', callModel)
    .addNode('tools', new ToolNode([lookup]))
    .addEdge(START, 'agent')
    .addConditionalEdges('agent', toolsCondition, ['tools', END])
    .addEdge('tools', 'agent')
    .compile({ checkpointer });
}
