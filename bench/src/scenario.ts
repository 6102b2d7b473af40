/**
 * The one scripted scenario every contender plays: N steps, each a model call that answers with one `tool_use`
 * (a lookup with a small result), except the last, which ends the turn with text. Generated as scripted-model
 * scenario files (docs/scenarios.md), one per (steps, latency), so no contender can get a different script.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TOOL_NAME } from './agent-spec';

export interface ScenarioSpec {
  /** Model calls in the run; the first steps - 1 each ask for one tool call. */
  steps: number;
  /** Scripted model latency per call (the scenario's `delayMs`). */
  delayMs?: number;
}

/** Fixed token counts: the scripted default (body length / 4) grows with the conversation and would trip token limits. */
const USAGE = { input_tokens: 10, output_tokens: 5 };

export function scenarioName(spec: ScenarioSpec): string {
  return `bench-${spec.steps}-steps-${spec.delayMs ?? 0}ms`;
}

/** The prompt each run starts with (the scripted model ignores it; it only has to be the same everywhere). */
export function benchPrompt(spec: ScenarioSpec): string {
  return `Look up items item-0 to item-${spec.steps - 2} one at a time with ${TOOL_NAME}, then say you are done.`;
}


/** Writes the scenario (if not there yet) into `dir` and returns its bare name, for the scenario header. */
export function writeScenario(dir: string, spec: ScenarioSpec): string {
  if (!Number.isInteger(spec.steps) || spec.steps < 2) throw new Error(`a bench scenario needs at least 2 steps, got ${spec.steps}`);
  const name = scenarioName(spec);
  const file = path.join(dir, `${name}.json`);
  if (fs.existsSync(file)) return name;
  const delay = spec.delayMs ? { delayMs: spec.delayMs } : {};
  const turns = [];
  for (let i = 0; i < spec.steps - 1; i++) {
    turns.push({ toolCalls: [{ name: TOOL_NAME, input: { key: `item-${i}` } }], usage: USAGE, ...delay });
  }
  turns.push({ text: `Looked up ${spec.steps - 1} items.`, usage: USAGE, ...delay });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ name, description: `bench: ${spec.steps} steps`, turns }));
  return name;
}

/**
 * The parallel-calls scenario: one response asking for `calls` reads of `tool` at once, then the answer. Written
 * into `dir` like the others; returns its name.
 */
export function writeParallelScenario(dir: string, spec: { calls: number; tool: string }): string {
  const name = `bench-parallel-${spec.calls}-${spec.tool}`;
  const file = path.join(dir, `${name}.json`);
  if (fs.existsSync(file)) return name;
  const toolCalls = Array.from({ length: spec.calls }, (_, i) => ({ name: spec.tool, input: { key: `item-${i}` } }));
  const turns = [{ toolCalls, usage: USAGE }, { text: `Looked up ${spec.calls} items at once.`, usage: USAGE }];
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ name, description: `bench: ${spec.calls} reads in one response`, turns }));
  return name;
}
