import { randomUUID } from 'node:crypto';
import { allTopicNames, compilePathPattern, parseEvent, routePolicies, topics } from '@helmdesk/contracts';

describe('the route policy table', () => {
  it('lists each method and path once', () => {
    const keys = routePolicies.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('gives every protected route at least one role, and keeps the API under /api/v1', () => {
    for (const r of routePolicies) {
      if (r.access !== 'public') expect(r.access.length).toBeGreaterThan(0);
      if (r.target !== 'gateway' && r.path !== '/.well-known/jwks.json') expect(r.path.startsWith('/api/v1/')).toBe(true);
    }
  });
});

describe('path patterns', () => {
  const pattern = compilePathPattern('/api/v1/cases/:id/comments');

  it('captures and decodes parameters', () => {
    expect(pattern.match('/api/v1/cases/a%20b/comments')).toEqual({ id: 'a b' });
  });

  it('refuses other shapes and broken escapes', () => {
    expect(pattern.match('/api/v1/cases/1')).toBeNull();
    expect(pattern.match('/api/v1/cases/1/history')).toBeNull();
    expect(pattern.match('/api/v1/cases/%E0%A4%A/comments')).toBeNull();
  });
});

describe('events', () => {
  const caseId = randomUUID();
  const envelope = {
    specversion: '1.0',
    id: randomUUID(),
    source: '/helmdesk/case',
    type: 'case.created',
    time: new Date().toISOString(),
    subject: caseId,
    datacontenttype: 'application/json',
    data: { caseId, customerId: randomUUID(), subject: 'Hello', priority: 'high', createdAt: new Date().toISOString() },
  };

  it('accepts a valid CloudEvent and keeps fields added later', () => {
    const parsed = parseEvent({ ...envelope, data: { ...envelope.data, newOptionalField: 1 } });
    expect(parsed).toMatchObject({ ok: true, event: { type: 'case.created', data: { caseId } } });
  });

  it.each([
    ['an unknown type', { ...envelope, type: 'case.exploded' }, /unknown event type/],
    ['data that breaks its schema', { ...envelope, data: { ...envelope.data, priority: 'meh' } }, /invalid data for case.created/],
    ['a broken envelope', { ...envelope, specversion: '0.3' }, /invalid CloudEvents envelope/],
  ])('refuses %s', (_name, value, error) => {
    const parsed = parseEvent(value);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok === false && parsed.error).toMatch(error);
  });

  it('names a dead-letter topic for every topic', () => {
    expect(allTopicNames()).toHaveLength(topics.length * 2);
    expect(allTopicNames()).toContain('agent.removed.dlq');
  });
});
