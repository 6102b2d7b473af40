/**
 * The child's half of the IPC protocol in child.ts: say ready, answer requests, stop when asked or when the
 * parent goes away (a child must never outlive the bench and keep polling a server).
 */

type Handler = (msg: Record<string, unknown>) => unknown;

export function send(msg: Record<string, unknown>): void {
  if (!process.send) throw new Error('this module runs as a child of the bench (forked with an IPC channel)');
  process.send(msg);
}

export function reportReady(info: Record<string, unknown> = {}): void {
  send({ type: 'ready', ...info });
}

export function reportFatal(err: unknown): void {
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  console.error(message);
  if (process.send) process.send({ type: 'error', message });
  process.exitCode = 1;
}

/** Answers `{ type, id }` requests with `handlers[type]`; `stop` (or losing the parent) calls `onStop`. */
export function serveParent(handlers: Record<string, Handler>, onStop: () => Promise<void> | void): void {
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void Promise.resolve(onStop()).finally(() => process.disconnect?.());
  };
  process.on('message', (msg: Record<string, unknown>) => {
    if (msg.type === 'stop') return stop();
    const handler = handlers[String(msg.type)];
    if (!handler) return;
    void Promise.resolve(handler(msg)).then(
      (value) => send({ type: 'reply', id: msg.id, value: value ?? null }),
      (err: unknown) => send({ type: 'reply', id: msg.id, value: { error: String(err) } }),
    );
  });
  process.once('disconnect', stop);
}
