/**
 * The operations agent's tools: two reads, a write with an ISO 8601 date-time field, and an irreversible refund.
 */
import { z } from 'zod';
import { defineTool, ToolError } from '../../agents/define';
import type { OpsStore } from './store';

export function opsTools(store: () => OpsStore) {
  const lookupCustomer = defineTool({
    name: 'lookup_customer',
    description: 'Find a customer by email address. Use it first, to get the customer id other tools need.',
    input: z.object({ email: z.email().describe("The customer's email address") }),
    output: z.object({ found: z.boolean(), customer: z.object({ id: z.string(), email: z.string(), name: z.string() }).nullable() }),
    effect: 'read',
    run: async ({ email }) => {
      const customer = store().customerByEmail(email) ?? null;
      return { found: customer !== null, customer };
    },
  });

  const listOrders = defineTool({
    name: 'list_orders',
    description: "List a customer's orders with amounts and what was already refunded (in cents).",
    input: z.object({ customerId: z.string().min(1).describe('Customer id from lookup_customer, e.g. "cus_ana"') }),
    effect: 'read',
    run: async ({ customerId }) => ({ orders: store().ordersOf(customerId) }),
  });

  const scheduleCallback = defineTool({
    name: 'schedule_callback',
    description: 'Book a phone call back to a customer at a given time.',
    input: z.object({
      customerId: z.string().min(1).describe('Customer id from lookup_customer'),
      startsAt: z.iso.datetime({ offset: true }).describe('When to call, ISO 8601 date-time, e.g. "2026-12-01T15:00:00Z"'),
      note: z.string().max(500).describe('What the call is about'),
    }),
    effect: 'write',
    run: async ({ customerId, startsAt, note }, ctx) => {
      if (!store().customer(customerId)) throw new ToolError(`there is no customer "${customerId}"`);
      const callback = store().scheduleCallback(ctx.idempotencyKey, customerId, startsAt, note);
      return { scheduled: true, callbackId: callback.id, startsAt: callback.startsAt };
    },
  });

  const issueRefund = defineTool({
    name: 'issue_refund',
    description: 'Refund money to the customer for an order. Irreversible: a person approves it before it runs.',
    input: z.object({
      orderId: z.string().min(1).describe('Order id, e.g. "ord_1001"'),
      amountCents: z.number().int().positive().describe('Amount to refund, in cents'),
      reason: z.string().min(3).describe('Why the refund is due'),
    }),
    output: z.object({ refundId: z.number().int(), orderId: z.string(), amountCents: z.number().int(), approvedBy: z.string().nullable() }),
    effect: 'irreversible',
    run: async ({ orderId, amountCents, reason }, ctx) => {
      const db = store();
      // A retried activity finds the refund it already made: the key, not the arguments, decides.
      const earlier = db.refundByKey(ctx.idempotencyKey);
      if (earlier) return { refundId: earlier.id, orderId: earlier.orderId, amountCents: earlier.amountCents, approvedBy: earlier.approvedBy };
      const order = db.order(orderId);
      if (!order) throw new ToolError(`there is no order "${orderId}"`);
      const refundable = order.amountCents - order.refundedCents;
      if (amountCents > refundable) throw new ToolError(`order ${orderId} has only ${refundable} cents left to refund`);
      const refund = db.refund(ctx.idempotencyKey, orderId, amountCents, reason, ctx.approvedBy ?? null);
      return { refundId: refund.id, orderId: refund.orderId, amountCents: refund.amountCents, approvedBy: refund.approvedBy };
    },
    // Read the refund back from the store: the action is verified by its effect, not by the tool's word.
    verify: async ({ orderId, amountCents }, result, ctx) => {
      const refund = store().refundByKey(ctx.idempotencyKey);
      if (!refund) return `no refund recorded under key ${ctx.idempotencyKey}`;
      if (refund.orderId !== orderId || refund.amountCents !== amountCents || refund.id !== result.refundId) {
        return `the stored refund (#${refund.id}, ${refund.orderId}, ${refund.amountCents}) does not match the action`;
      }
      return true;
    },
  });

  return { lookupCustomer, listOrders, scheduleCallback, issueRefund };
}
