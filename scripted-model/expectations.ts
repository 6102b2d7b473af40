/**
 * A turn's `expect` checks: what the request must look like for the scripted answer to make sense. A failed
 * check is a 400, never a quiet answer, so a test cannot pass with the agent sending the wrong thing.
 */
import {
  hasErrorToolResult,
  lastUserMessage,
  messageText,
  systemText,
  toolNames,
  type MessagesRequest,
} from './request';
import { clip } from '../common/text';
import type { TurnExpect } from './scenario';

/** Every failed check, described; empty when the request meets them all. */
export function checkExpectations(expect: TurnExpect | undefined, request: MessagesRequest): string[] {
  if (!expect) return [];
  const failures: string[] = [];
  const lastUser = lastUserMessage(request);
  const userText = messageText(lastUser?.content);

  for (const needle of expect.lastUserContains ?? []) {
    if (!userText.includes(needle)) {
      // Clipped: one readable line even when the message is a page of tool output.
      failures.push(`last user message lacks ${JSON.stringify(needle)} (it reads ${JSON.stringify(clip(userText, 201))})`);
    }
  }
  for (const needle of expect.lastUserNotContains ?? []) {
    if (userText.includes(needle)) failures.push(`last user message contains ${JSON.stringify(needle)}`);
  }
  if (expect.toolResultError !== undefined) {
    const actual = hasErrorToolResult(lastUser);
    if (actual !== expect.toolResultError) {
      failures.push(
        expect.toolResultError
          ? 'last user message has no tool_result with is_error: true'
          : 'last user message has a tool_result with is_error: true',
      );
    }
  }
  if (expect.toolsInclude) {
    const offered = toolNames(request);
    const missing = expect.toolsInclude.filter((name) => !offered.includes(name));
    if (missing.length > 0) {
      failures.push(`tools ${missing.join(', ')} not offered (offered: ${offered.join(', ') || 'none'})`);
    }
  }
  const system = systemText(request.system);
  for (const needle of expect.systemContains ?? []) {
    if (!system.includes(needle)) failures.push(`system prompt lacks ${JSON.stringify(needle)}`);
  }
  return failures;
}
