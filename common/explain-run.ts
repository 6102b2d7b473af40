/**
 * `explain`: a run in plain language, for people who will never open the history: what it was asked, each decision
 * and why, each action and who approved it, how it ended. A page however long the run: steps that went the same way
 * as their neighbours (the same tools proposed and run, nothing refused, retried, escalated or approved) are told
 * once, with the first and the last of them in full. What a reviewer must judge is never shortened: the steps that
 * stopped for a person or were refused, and the step before each (the results the model had just read, where a
 * prompt injection arrives), are quoted whole up to a bound a terminal can hold. Large stored values are named by
 * their size ("a 50 KB result, stored"), never by their store reference. Pure: any process can render a trace it
 * has read.
 */
import { attemptsText } from './attempts';
import { isOffloaded } from './conversation';
import type { AgentRunInput } from './run';
import { clip, safeJson } from './text';
import type { FieldError, TraceEvent } from './trace';

/** Fewest alike steps in a row that are told as one line (with the first and last in full around it). */
const ALIKE_MIN = 4;
/** How much of a quote a routine step shows, and how much a step a reviewer must judge shows. */
const ROUTINE = { said: 160, value: 140, args: 120, text: 240 };
const EVIDENCE = { said: 4_000, value: 4_000, args: 4_000, text: 4_000 };
type Bounds = typeof ROUTINE;

/**
 * @example
 * console.log(explainRun(await run.input(), await run.trace()));
 */
export function explainRun(input: AgentRunInput, trace: readonly TraceEvent[]): string {
  const mode = input.options?.mode ?? 'act';
  const lines = [
    `The ${input.agent} agent was asked: "${input.prompt}"`,
    `It ran in ${mode} mode${input.options?.scope ? `, limited to ${input.options.scope.join(', ')}` : ''}, correlation id ${input.correlationId}.`,
  ];
  const steps = stepsOf(trace);
  const evidence = evidenceSteps(steps);
  const raised = new Map<string, string>();
  const tell = (s: Step) => {
    const bounds = evidence.has(s.step) ? EVIDENCE : ROUTINE;
    for (const event of s.events) {
      const line = sentence(event, raised, bounds);
      if (line) lines.push(line);
    }
  };
  for (let i = 0; i < steps.length; ) {
    const first = steps[i] as Step;
    const shape = evidence.has(first.step) ? undefined : routineShape(first);
    let last = i;
    while (shape && last + 1 < steps.length && !evidence.has((steps[last + 1] as Step).step) && routineShape(steps[last + 1] as Step) === shape) last += 1;
    if (last - i + 1 < ALIKE_MIN) {
      tell(first);
      i += 1;
      continue;
    }
    tell(first);
    lines.push(alike(steps.slice(i + 1, last)));
    tell(steps[last] as Step);
    i = last + 1;
  }
  return lines.join('\n');
}

interface Step {
  step: number;
  events: TraceEvent[];
}

/** The trace cut where the step number changes (events before the first step belong to step 0). */
function stepsOf(trace: readonly TraceEvent[]): Step[] {
  const steps: Step[] = [];
  for (const event of trace) {
    const current = steps[steps.length - 1];
    if (current && current.step === event.step) current.events.push(event);
    else steps.push({ step: event.step, events: [event] });
  }
  return steps;
}

/** Steps a reviewer must judge: one that stopped for a person, was refused or sent undeclared keys, and the one before. */
function evidenceSteps(steps: readonly Step[]): Set<number> {
  const marked = new Set<number>();
  steps.forEach((s, i) => {
    const judged = s.events.some(
      (e) => e.kind === 'escalation' || e.kind === 'validation_error' || e.kind === 'recommendation' || (e.kind === 'tool_call' && e.sent !== undefined),
    );
    if (!judged) return;
    marked.add(s.step);
    const before = steps[i - 1];
    if (before) marked.add(before.step);
  });
  return marked;
}

/**
 * What makes a step like its neighbours, or undefined for a step that must be told on its own: the model proposed
 * tools, they ran once each, and anything they did was an action nobody had to approve or edit.
 */
function routineShape(s: Step): string | undefined {
  let proposed: string | undefined;
  let actions = 0;
  for (const e of s.events) {
    switch (e.kind) {
      case 'model_request':
        continue;
      case 'model_response':
        if (e.toolCalls.length === 0 || (e.attempts?.count ?? 1) > 1) return undefined;
        proposed = e.toolCalls.map((c) => c.name).join(', ');
        continue;
      case 'tool_call':
        continue;
      case 'tool_result':
        if ((e.attempts?.count ?? 1) > 1) return undefined;
        continue;
      case 'action':
        if (e.entry.approvedBy || e.entry.edited || (e.entry.attempts?.count ?? 1) > 1) return undefined;
        actions += 1;
        continue;
      case 'verification':
        if (!e.ok) return undefined;
        continue;
      default:
        return undefined;
    }
  }
  return proposed === undefined ? undefined : `${proposed} | ${actions}`;
}

/** The middle of a row of alike steps, in one line. */
function alike(steps: readonly Step[]): string {
  const events = steps.flatMap((s) => s.events);
  const first = steps[0] as Step;
  const last = steps[steps.length - 1] as Step;
  const response = events.find((e) => e.kind === 'model_response');
  const proposed = response?.kind === 'model_response' ? response.toolCalls.map((c) => c.name).join(', ') : 'tools';
  const results = events.filter((e) => e.kind === 'tool_result');
  const stored = results.filter((e) => e.kind === 'tool_result' && isOffloaded(e.result));
  const storedBytes = stored.reduce((sum, e) => sum + (e.kind === 'tool_result' && isOffloaded(e.result) ? e.result.$offloaded.bytes : 0), 0);
  const actions = events.filter((e) => e.kind === 'action').length;
  const range = first === last ? `Step ${first.step}` : `Steps ${first.step}–${last.step} (${steps.length} steps)`;
  const parts = [`${range} went the same way: the model proposed ${proposed} and ${results.length === 1 ? 'it ran' : `they ran ${results.length} times`}`];
  if (stored.length > 0) parts.push(`${stored.length === 1 ? 'one result was' : `${stored.length} of the results were`} large and stored (${size(storedBytes)} in all)`);
  if (actions > 0) parts.push(`${actions} action${actions === 1 ? '' : 's'} recorded in the ledger (\`durable-agent ledger\` lists them)`);
  return `${parts.join('; ')}.`;
}

/** One event in words, or nothing for an event a reader does not need (a request, a call that sent only its own keys). */
function sentence(event: TraceEvent, raised: Map<string, string>, bounds: Bounds): string | undefined {
  const step = `Step ${event.step}:`;
  switch (event.kind) {
    case 'model_response': {
      const retried = event.attempts && event.attempts.count > 1 ? `${step} the model call ${attemptsText(event.attempts)}.` : undefined;
      if (event.toolCalls.length === 0) return retried;
      const said = `${step} the model said "${clip(event.text, bounds.said)}" and proposed ${event.toolCalls.map((c) => c.name).join(', ')}.`;
      return retried ? `${retried}\n${said}` : said;
    }
    case 'tool_call':
      // Keys the tool does not declare never reach it; what the model tried to slip in is evidence, kept whole.
      return event.sent === undefined ? undefined : `${step} the model's call to ${event.tool} also sent what the tool does not take (it got only its own keys): ${shown(event.sent, bounds.args)}.`;
    case 'validation_error':
      return `${step} its call to ${event.error.tool} was refused before it ran (${refusal(event.error.code)}${
        event.error.fields?.length ? `: ${fields(event.error.fields)}` : ''
      }).`;
    case 'corrective_retry':
      return `${step} the model was sent the error and given corrective attempt ${event.attempt} of ${event.of}.`;
    case 'tool_result':
      return `${step} ${event.tool} ran and returned ${returned(event.result, bounds.value)}${
        event.attempts && event.attempts.count > 1 ? `; the call ${attemptsText(event.attempts)}` : ''
      }.`;
    case 'tool_error':
      return `${step} ${event.error.tool} failed: ${clip(event.error.message, bounds.said)}.`;
    case 'action':
      return `${step} that was an action (${event.entry.effect}), recorded in the ledger under key ${event.entry.idempotencyKey}${
        event.entry.approvedBy ? `, approved by ${event.entry.approvedBy}` : ''
      }${event.entry.edited ? `, with arguments edited by ${event.entry.edited.by} (the model proposed ${shown(event.entry.edited.proposedArgs, bounds.args)})` : ''}.`;
    case 'verification':
      return event.ok ? `${step} its effect was verified.` : `${step} its effect could NOT be verified: ${event.detail}.`;
    case 'escalation': {
      raised.set(event.escalation.id, event.at);
      const call = event.escalation.proposedCall;
      const stated = call?.confidence !== undefined ? ` at confidence ${call.confidence}${call.rationale ? ` ("${clip(call.rationale, bounds.said)}")` : ''}` : '';
      return `${step} the run stopped and waited for a person (${event.escalation.kind}): ${event.escalation.reason}${
        call ? `; proposed ${call.tool} ${shown(call.args, bounds.args)}${stated}` : ''
      }.`;
    }
    case 'resolution': {
      const r = event.resolution;
      if (!event.accepted) return `${step} a resolution by ${r.by} (${r.decision}) was refused: ${event.note ?? 'no reason'}.`;
      const since = raised.get(r.escalationId);
      const waited = since ? ` after ${Math.round((Date.parse(event.at) - Date.parse(since)) / 1000)} s` : '';
      return `${step} ${r.by} decided: ${r.decision}${r.text ? ` ("${clip(r.text, bounds.args)}")` : ''}${waited}.`;
    }
    case 'limit_reached':
      return `${step} the ${event.limit} budget was reached (${event.value} of ${event.max}).`;
    case 'recommendation': {
      const r = event.recommendation;
      return `${step} recommended ${r.tool} ${shown(r.args, bounds.args)}: ${r.status}${r.decidedBy ? ` by ${r.decidedBy}` : ''}.`;
    }
    case 'completion':
      return `It ended ${event.status.replace('_', ' ')}${event.by ? ` (by ${event.by})` : ''}: "${clip(event.text, bounds.text)}"`;
    case 'failure':
      return `It failed (${event.errorType}): ${clip(event.message, bounds.text)}`;
    case 'policy_change':
      return `A deploy made the agent's policy stricter while the run was in flight; the stricter applied from here on (${clip(event.tightened.join('; '), 240)}).`;
    default:
      return undefined;
  }
}

/** A tool's result in words: its JSON, or for one too large for history, its size and how it begins. */
function returned(result: unknown, max: number): string {
  if (!isOffloaded(result)) return shown(result ?? 'nothing', max);
  const { bytes, preview } = result.$offloaded;
  return `a ${size(bytes)} result, stored (it begins ${clip(JSON.stringify(preview), 80)})`;
}

/** One-line JSON of a value, with any stored part named by its size rather than its store reference. */
function shown(value: unknown, max: number): string {
  let text: string;
  try {
    text = JSON.stringify(value, (_key, v: unknown) => (isOffloaded(v) ? `<a ${size(v.$offloaded.bytes)} value, stored>` : v)) ?? String(value);
  } catch {
    text = safeJson(value);
  }
  return clip(text, max);
}

/** Bytes for people: `312 B`, `50 KB`, `3.0 MB`. */
export function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function refusal(code: string): string {
  const words: Record<string, string> = {
    unknown_tool: 'no such tool',
    invalid_input: 'its arguments did not match the schema',
    out_of_scope: "the tool is outside this run's scope",
  };
  return words[code] ?? code;
}

function fields(list: FieldError[]): string {
  return list.map((f) => `${f.path} should be ${f.expected} but was ${f.received}`).join('; ');
}
