import { describe, expect, it } from 'vitest';
import {
  checkCapacity,
  checkWebhookUrl,
  hasErrors,
  unknownPlaceholders,
  validateCase,
  validateComment,
  validateNewUser,
  validateRegistration,
  validateTemplate,
} from '../src/lib/validation';

describe('case validation mirrors the API (subject 1–200, description 1–10000, not blank)', () => {
  const ok = { subject: 'Printer on fire', description: 'It smokes.', priority: 'high' };
  it('accepts a valid case', () => expect(hasErrors(validateCase(ok))).toBe(false));
  it('requires a subject that is not blank', () => {
    expect(validateCase({ ...ok, subject: '' }).subject).toMatch(/required/);
    expect(validateCase({ ...ok, subject: '   ' }).subject).toMatch(/required/);
  });
  it('limits the subject to 200 characters', () => {
    expect(validateCase({ ...ok, subject: 'x'.repeat(200) }).subject).toBeUndefined();
    expect(validateCase({ ...ok, subject: 'x'.repeat(201) }).subject).toMatch(/at most 200/);
  });
  it('limits the description to 10000 characters', () => {
    expect(validateCase({ ...ok, description: 'y'.repeat(10_000) }).description).toBeUndefined();
    expect(validateCase({ ...ok, description: 'y'.repeat(10_001) }).description).toMatch(/at most 10,000/);
    expect(validateCase({ ...ok, description: '\n\n' }).description).toMatch(/required/);
  });
  it('only knows the four priorities', () => {
    for (const p of ['low', 'normal', 'high', 'urgent']) expect(validateCase({ ...ok, priority: p }).priority).toBeUndefined();
    expect(validateCase({ ...ok, priority: 'critical' }).priority).toBeDefined();
  });
  it('refuses NUL characters like the API', () => expect(validateCase({ ...ok, subject: 'a\u0000b' }).subject).toMatch(/NUL/));
  it('checks comments the same way', () => {
    expect(validateComment('').body).toBeDefined();
    expect(validateComment('thanks').body).toBeUndefined();
    expect(validateComment('z'.repeat(10_001)).body).toBeDefined();
  });
});

describe('accounts', () => {
  it('needs a 10+ character password, an email and a name', () => {
    expect(hasErrors(validateRegistration({ name: 'Ann', email: 'ann@example.com', password: '0123456789' }))).toBe(false);
    const bad = validateRegistration({ name: ' ', email: 'ann', password: 'short' });
    expect(bad.name).toBeDefined();
    expect(bad.email).toBeDefined();
    expect(bad.password).toMatch(/at least 10/);
  });
  it('admin-created accounts need a known role', () => {
    expect(validateNewUser({ name: 'A', email: 'a@b.co', password: '0123456789', role: 'agent' }).role).toBeUndefined();
    expect(validateNewUser({ name: 'A', email: 'a@b.co', password: '0123456789', role: 'root' }).role).toBeDefined();
  });
});

describe('admin fields', () => {
  it('capacity is a whole number 1–50', () => {
    expect(checkCapacity('1')).toBeUndefined();
    expect(checkCapacity('50')).toBeUndefined();
    expect(checkCapacity('0')).toBeDefined();
    expect(checkCapacity('51')).toBeDefined();
    expect(checkCapacity('2.5')).toBeDefined();
    expect(checkCapacity('')).toBeDefined();
  });
  it('webhook URLs are absolute http(s)', () => {
    expect(checkWebhookUrl('https://example.com/hook')).toBeUndefined();
    expect(checkWebhookUrl('ftp://example.com')).toBeDefined();
    expect(checkWebhookUrl('example.com')).toBeDefined();
  });
  it('templates may only use their placeholders', () => {
    const allowed = ['case.subject', 'case.id'];
    expect(unknownPlaceholders('Re: {{case.subject}} {{ case.id }} {{agent.email}}', allowed)).toEqual(['agent.email']);
    expect(validateTemplate({ subject: 'Hi {{case.subject}}', body: 'x {{nope}}' }, allowed).body).toMatch(/nope/);
    expect(validateTemplate({ subject: 'two\nlines', body: 'b' }, allowed).subject).toMatch(/one line/);
    expect(hasErrors(validateTemplate({ subject: 'Hi {{case.subject}}', body: 'Case {{case.id}}' }, allowed))).toBe(false);
  });
});
