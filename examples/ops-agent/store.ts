/**
 * The operations agent's store: a real SQLite file (better-sqlite3). Writes are keyed by the tool call's
 * idempotency key, so an activity retried after a crash finds its earlier effect instead of acting twice.
 */
import type Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { openSharedDatabase } from '../sqlite-file';

export interface Customer {
  id: string;
  email: string;
  name: string;
}
export interface Order {
  id: string;
  customerId: string;
  item: string;
  amountCents: number;
  refundedCents: number;
}
export interface Callback {
  id: number;
  customerId: string;
  startsAt: string;
  note: string;
}
export interface Refund {
  id: number;
  orderId: string;
  amountCents: number;
  reason: string;
  approvedBy: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS customers (id TEXT PRIMARY KEY, email TEXT UNIQUE NOT NULL, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY, customer_id TEXT NOT NULL REFERENCES customers(id),
  item TEXT NOT NULL, amount_cents INTEGER NOT NULL, refunded_cents INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS callbacks (id INTEGER PRIMARY KEY, customer_id TEXT NOT NULL REFERENCES customers(id),
  starts_at TEXT NOT NULL, note TEXT NOT NULL, idempotency_key TEXT UNIQUE NOT NULL);
CREATE TABLE IF NOT EXISTS refunds (id INTEGER PRIMARY KEY, order_id TEXT NOT NULL REFERENCES orders(id),
  amount_cents INTEGER NOT NULL, reason TEXT NOT NULL, approved_by TEXT, idempotency_key TEXT UNIQUE NOT NULL);
`;

const SEED_CUSTOMERS: Customer[] = [
  { id: 'cus_ana', email: 'ana@example.com', name: 'Ana Lima' },
  { id: 'cus_ben', email: 'ben@example.com', name: 'Ben Okafor' },
];
const SEED_ORDERS: Omit<Order, 'refundedCents'>[] = [
  { id: 'ord_1001', customerId: 'cus_ana', item: 'Ceramic teapot', amountCents: 4999 },
  { id: 'ord_1002', customerId: 'cus_ana', item: 'Tea sampler', amountCents: 1999 },
  { id: 'ord_2001', customerId: 'cus_ben', item: 'Kettle', amountCents: 8900 },
];

export class OpsStore {
  readonly db: Database.Database;

  constructor(readonly path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    // WAL lets a tool write while another process (a worker, a test, the CLI) reads.
    this.db = openSharedDatabase(path);
    this.db.exec(SCHEMA);
    this.seed();
  }

  private seed(): void {
    const insertCustomer = this.db.prepare('INSERT OR IGNORE INTO customers (id, email, name) VALUES (?, ?, ?)');
    const insertOrder = this.db.prepare('INSERT OR IGNORE INTO orders (id, customer_id, item, amount_cents) VALUES (?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const c of SEED_CUSTOMERS) insertCustomer.run(c.id, c.email, c.name);
      for (const o of SEED_ORDERS) insertOrder.run(o.id, o.customerId, o.item, o.amountCents);
    })();
  }

  customerByEmail(email: string): Customer | undefined {
    return this.db.prepare('SELECT id, email, name FROM customers WHERE email = ?').get(email) as Customer | undefined;
  }

  customer(id: string): Customer | undefined {
    return this.db.prepare('SELECT id, email, name FROM customers WHERE id = ?').get(id) as Customer | undefined;
  }

  ordersOf(customerId: string): Order[] {
    return this.db
      .prepare(
        'SELECT id, customer_id AS customerId, item, amount_cents AS amountCents, refunded_cents AS refundedCents FROM orders WHERE customer_id = ? ORDER BY id',
      )
      .all(customerId) as Order[];
  }

  order(orderId: string): Order | undefined {
    return this.db
      .prepare('SELECT id, customer_id AS customerId, item, amount_cents AS amountCents, refunded_cents AS refundedCents FROM orders WHERE id = ?')
      .get(orderId) as Order | undefined;
  }

  /** Idempotent: the same key returns the callback it created the first time. */
  scheduleCallback(idempotencyKey: string, customerId: string, startsAt: string, note: string): Callback {
    return this.db.transaction(() => {
      this.db
        .prepare('INSERT OR IGNORE INTO callbacks (customer_id, starts_at, note, idempotency_key) VALUES (?, ?, ?, ?)')
        .run(customerId, startsAt, note, idempotencyKey);
      return this.db
        .prepare('SELECT id, customer_id AS customerId, starts_at AS startsAt, note FROM callbacks WHERE idempotency_key = ?')
        .get(idempotencyKey) as Callback;
    })();
  }

  /** Idempotent: the same key returns the refund it made the first time, and the order is credited once. */
  refund(idempotencyKey: string, orderId: string, amountCents: number, reason: string, approvedBy: string | null): Refund {
    return this.db.transaction(() => {
      const existing = this.refundByKey(idempotencyKey);
      if (existing) return existing;
      this.db
        .prepare('INSERT INTO refunds (order_id, amount_cents, reason, approved_by, idempotency_key) VALUES (?, ?, ?, ?, ?)')
        .run(orderId, amountCents, reason, approvedBy, idempotencyKey);
      this.db.prepare('UPDATE orders SET refunded_cents = refunded_cents + ? WHERE id = ?').run(amountCents, orderId);
      return this.refundByKey(idempotencyKey) as Refund;
    })();
  }

  refundByKey(idempotencyKey: string): Refund | undefined {
    return this.db
      .prepare('SELECT id, order_id AS orderId, amount_cents AS amountCents, reason, approved_by AS approvedBy FROM refunds WHERE idempotency_key = ?')
      .get(idempotencyKey) as Refund | undefined;
  }

  refunds(): Refund[] {
    return this.db
      .prepare('SELECT id, order_id AS orderId, amount_cents AS amountCents, reason, approved_by AS approvedBy FROM refunds ORDER BY id')
      .all() as Refund[];
  }

  callbacks(): Callback[] {
    return this.db
      .prepare('SELECT id, customer_id AS customerId, starts_at AS startsAt, note FROM callbacks ORDER BY id')
      .all() as Callback[];
  }

  close(): void {
    this.db.close();
  }
}
