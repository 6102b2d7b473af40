/**
 * Two processes opening the same new SQLite file at once (two workers' first tool calls, or a worker and a test
 * reading its file) both get a WAL database: the WAL switch is retried while the other holds the file. Before,
 * about one opening in a hundred failed with "database is locked", which failed the crash tests' first tool call.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const FIXTURE = join(__dirname, 'fixtures', 'open-shared-db.js');
const FILES = 300;

let dir: string;
let openers: ChildProcess[] = [];

beforeAll(() => {
  if (!existsSync(join(__dirname, '..', 'dist', 'examples', 'sqlite-file.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first (the pretest script does)');
  }
  dir = mkdtempSync(join(tmpdir(), 'durable-agent-sqlite-'));
  openers = [fork(FIXTURE), fork(FIXTURE)];
});

afterAll(() => {
  for (const p of openers) p.kill();
  rmSync(dir, { recursive: true, force: true });
});

function open(opener: ChildProcess, file: string): Promise<string> {
  return new Promise((resolve) => {
    opener.once('message', (answer) => resolve(String(answer)));
    opener.send(file);
  });
}

test(`two processes open ${FILES} new files at the same moment: every opening succeeds, every file is in WAL mode`, async () => {
  const failures: string[] = [];
  for (let i = 0; i < FILES; i++) {
    const file = join(dir, `shared-${i}.sqlite`);
    const answers = await Promise.all(openers.map((p) => open(p, file)));
    failures.push(...answers.filter((a) => a !== 'ok').map((a) => `${file}: ${a}`));
  }
  expect(failures).toEqual([]);
  for (const i of [0, Math.floor(FILES / 2), FILES - 1]) {
    const db = new Database(join(dir, `shared-${i}.sqlite`), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT COUNT(*) AS n FROM effects').get()).toEqual({ n: 2 });
    db.close();
  }
});
