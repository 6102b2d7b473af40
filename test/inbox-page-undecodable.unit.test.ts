/**
 * The inbox page's script, run against a minimal DOM: a run the inbox could not decode is a card naming the run,
 * saying its payloads could not be decoded and why, with nothing to decide; the run next to it is shown as usual.
 */
import { runInNewContext } from 'node:vm';
import { inboxScript } from '../inbox/page';

interface FakeNode {
  tagName: string;
  children: FakeNode[];
  attributes: Record<string, string>;
  className: string;
  textContent: string;
}

function fakeDom() {
  const make = (tagName: string): FakeNode => {
    let text = '';
    const node = {
      tagName: tagName.toUpperCase(),
      children: [] as FakeNode[],
      attributes: {} as Record<string, string>,
      className: '',
      style: {},
      value: '',
      classList: { add: () => undefined },
      get textContent() {
        return text;
      },
      set textContent(value: string) {
        text = value;
        node.children = [];
      },
      appendChild(child: FakeNode) {
        node.children.push(child);
        return child;
      },
      setAttribute(k: string, v: string) {
        node.attributes[k] = v;
      },
      getAttribute: (k: string) => node.attributes[k],
      removeAttribute: (k: string) => delete node.attributes[k],
      addEventListener: () => undefined,
      querySelectorAll: () => [],
    };
    return node;
  };
  const byId: Record<string, FakeNode> = {};
  const document = {
    createElement: make,
    createTextNode: (text: string) => ({ ...make('#text'), textContent: text }),
    getElementById: (id: string) => (byId[id] ??= make('div')),
    querySelectorAll: () => [],
    activeElement: null,
  };
  return { document, byId };
}

function allText(node: FakeNode): string {
  return [node.textContent, ...node.children.map(allText)].join(' ');
}

function find(node: FakeNode, ok: (n: FakeNode) => boolean): FakeNode[] {
  return [...(ok(node) ? [node] : []), ...node.children.flatMap((c) => find(c, ok))];
}

const escalation = {
  id: 'esc-1',
  kind: 'approval_required',
  reason: 'transfers above 1000.00 need approval',
  step: 1,
  raisedAt: new Date().toISOString(),
  deadline: new Date().toISOString(),
  allowedDecisions: ['approve', 'reject'],
  proposedCall: { tool: 'wire_money', args: { amountCents: 200000 } },
};

test('an undecodable run is a card with the run, "could not be decoded" and the cause, and no decision buttons', async () => {
  const { document, byId } = fakeDom();
  const api = {
    identity: 'pat',
    now: new Date().toISOString(),
    runs: [
      { workflowId: 'tester-plain', runId: 'r1', agent: 'tester', correlationId: 'plain', uiUrl: 'http://ui', escalation, trace: [], traceLength: 0 },
      {
        workflowId: 'tester-sealed',
        runId: 'r2',
        agent: 'tester',
        correlationId: 'sealed',
        uiUrl: null,
        escalation: null,
        error: 'run "tester-sealed": its payloads could not be decoded: they are encrypted and no payload key is configured here (set DURABLE_AGENT_PAYLOAD_KEY)',
        undecodable: { cause: 'no-key', detail: 'they are encrypted and no payload key is configured here (set DURABLE_AGENT_PAYLOAD_KEY)' },
        trace: [],
        traceLength: 0,
      },
    ],
  };
  const fetch = () => Promise.resolve({ status: 200, json: () => Promise.resolve(api) });
  runInNewContext(inboxScript, { document, fetch, setInterval: () => 0, setTimeout: () => 0, Date, JSON, String, Math, Object, Array });
  await new Promise((r) => setTimeout(r, 20));

  const cards = find(byId.runs as FakeNode, (n) => n.tagName === 'ARTICLE');
  expect(cards.map((c) => c.attributes['data-workflow-id'])).toEqual(['tester-plain', 'tester-sealed']);
  const [plainCard, sealedCard] = cards as [FakeNode, FakeNode];
  expect(find(plainCard, (n) => n.tagName === 'BUTTON').length).toBeGreaterThan(0);

  // A card whose UI address is unknown says so instead of linking to a guess.
  expect(find(plainCard, (n) => n.tagName === 'A').map((a) => a.attributes.href)).toEqual(['http://ui']);
  expect(find(sealedCard, (n) => n.tagName === 'A')).toEqual([]);
  expect(allText(sealedCard)).toContain('Temporal UI: address unknown (start the inbox with TEMPORAL_UI_URL set)');

  expect(sealedCard.className).toBe('undecodable');
  expect(allText(sealedCard)).toContain('tester-sealed');
  expect(allText(sealedCard)).toContain('payloads could not be decoded by this inbox: they are encrypted and no payload key is configured');
  expect(allText(sealedCard)).toContain('cause: no-key');
  expect(find(sealedCard, (n) => n.tagName === 'BUTTON')).toEqual([]);
});

test('text from the model is shown, not obeyed: control and bidi characters in a card are written out', async () => {
  const { document, byId } = fakeDom();
  const hostile = { ...escalation, reason: 'pay \u202eemca\u202c now\u001b[2K\rapproved', proposedCall: { tool: 'wire_money', args: { to: 'acme' }, reasoning: 'line one\nline two' } };
  const api = {
    identity: 'pat',
    now: new Date().toISOString(),
    runs: [{ workflowId: 'tester-hostile', runId: 'r1', agent: 'tester', correlationId: 'h', uiUrl: 'http://ui', escalation: hostile, trace: [], traceLength: 0 }],
  };
  const fetch = () => Promise.resolve({ status: 200, json: () => Promise.resolve(api) });
  runInNewContext(inboxScript, { document, fetch, setInterval: () => 0, setTimeout: () => 0, Date, JSON, String, Math, Object, Array });
  await new Promise((r) => setTimeout(r, 20));
  const text = allText(byId.runs as FakeNode);
  expect(text).toContain('pay \\u202eemca\\u202c now\\u001b[2K\\u000dapproved');
  expect(text).not.toMatch(/[\u202e\u202c\u001b\r]/);
});
