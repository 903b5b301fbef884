import { randomUUID } from 'node:crypto';
import { canComment, canView, listScope, type CaseParties } from '../../src/domain/access';
import type { Actor } from '../../src/domain/case';

const customer: Actor = { id: randomUUID(), role: 'customer' };
const otherCustomer: Actor = { id: randomUUID(), role: 'customer' };
const agent: Actor = { id: randomUUID(), role: 'agent' };
const otherAgent: Actor = { id: randomUUID(), role: 'agent' };
const admin: Actor = { id: randomUUID(), role: 'admin' };

const waiting: CaseParties = { customerId: customer.id, assigneeId: null, status: 'open' };
const assigned: CaseParties = { customerId: customer.id, assigneeId: agent.id, status: 'assigned' };
const resolved: CaseParties = { customerId: customer.id, assigneeId: agent.id, status: 'resolved' };

describe('who may read a case', () => {
  it.each([
    ['its customer', customer, waiting, true],
    ['its customer, once resolved', customer, resolved, true],
    ['another customer', otherCustomer, waiting, false],
    ['any agent while it waits', otherAgent, waiting, true],
    ['the assigned agent', agent, assigned, true],
    ['the agent who resolved it', agent, resolved, true],
    ['another agent once it is assigned', otherAgent, assigned, false],
    ['another agent once it is resolved', otherAgent, resolved, false],
    ['an admin', admin, assigned, true],
  ] as const)('%s: %s', (_who, actor, c, expected) => {
    expect(canView(actor, c)).toBe(expected);
  });
});

describe('who may comment on a case', () => {
  it.each([
    ['its customer', customer, assigned, true],
    ['another customer', otherCustomer, assigned, false],
    ['the assigned agent', agent, assigned, true],
    ['an agent who only sees it waiting', otherAgent, waiting, false],
    ['another agent', otherAgent, assigned, false],
    ['an admin', admin, waiting, true],
  ] as const)('%s: %s', (_who, actor, c, expected) => {
    expect(canComment(actor, c)).toBe(expected);
  });
});

describe('which cases a list shows', () => {
  it('a customer sees its own cases', () => {
    expect(listScope(customer, {})).toEqual({ ok: true, scope: { customerId: customer.id } });
  });

  it('an agent sees the cases assigned to it', () => {
    expect(listScope(agent, {})).toEqual({ ok: true, scope: { assigneeId: agent.id } });
  });

  it('an admin sees all, narrowed by the filters it passes', () => {
    expect(listScope(admin, {})).toEqual({ ok: true, scope: {} });
    expect(listScope(admin, { customerId: customer.id, assigneeId: agent.id })).toEqual({
      ok: true,
      scope: { customerId: customer.id, assigneeId: agent.id },
    });
  });

  it('a customer or an agent passing an admin-only filter is refused, naming it', () => {
    expect(listScope(customer, { customerId: otherCustomer.id })).toEqual({ ok: false, forbiddenFilters: ['customerId'] });
    expect(listScope(agent, { customerId: customer.id, assigneeId: otherAgent.id })).toEqual({
      ok: false,
      forbiddenFilters: ['customerId', 'assigneeId'],
    });
  });
});
