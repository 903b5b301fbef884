import { retryAfterSeconds } from '../../src/domain/login-limit';
import { decideRefresh, revokesFamily, type RefreshTokenState } from '../../src/domain/refresh';
import { changedFields, emailSchema, nameSchema, normalizeEmail, passwordSchema, selfChangeConflict } from '../../src/domain/user';

const now = new Date('2026-11-25T12:00:00.000Z');
const live: RefreshTokenState = { spentAt: null, expiresAt: new Date(now.getTime() + 60_000), familyRevokedAt: null, userDisabled: false };

describe('refresh-token rotation rules', () => {
  it('when the token is live, then it rotates', () => {
    expect(decideRefresh(live, now)).toBe('rotate');
  });

  it('when the token was spent, then it is reuse and the family is revoked, even after it expired', () => {
    expect(decideRefresh({ ...live, spentAt: now }, now)).toBe('reuse');
    expect(decideRefresh({ ...live, spentAt: now, expiresAt: new Date(0) }, now)).toBe('reuse');
    expect(revokesFamily('reuse')).toBe(true);
  });

  it('when the family is revoked, then it is refused whatever else holds', () => {
    expect(decideRefresh({ ...live, familyRevokedAt: now, spentAt: now }, now)).toBe('revoked');
    expect(revokesFamily('revoked')).toBe(false);
  });

  it('when the token expired (at the very instant too), then it is refused without revoking', () => {
    expect(decideRefresh({ ...live, expiresAt: now }, now)).toBe('expired');
    expect(revokesFamily('expired')).toBe(false);
  });

  it('when the user is disabled, then it is refused and the family revoked', () => {
    expect(decideRefresh({ ...live, userDisabled: true }, now)).toBe('disabled');
    expect(revokesFamily('disabled')).toBe(true);
    expect(revokesFamily('rotate')).toBe(false);
  });
});

describe('Retry-After of the sign-in limits', () => {
  it('when neither counter is at its limit, then there is no wait', () => {
    expect(retryAfterSeconds(null, null)).toBeNull();
  });

  it('when one or both are, then the longer wait, in whole seconds rounded up, at least 1', () => {
    expect(retryAfterSeconds(12.2, null)).toBe(13);
    expect(retryAfterSeconds(null, 3)).toBe(3);
    expect(retryAfterSeconds(4.5, 800.01)).toBe(801);
    expect(retryAfterSeconds(0.0001, null)).toBe(1);
    expect(retryAfterSeconds(-0.5, null)).toBe(1);
  });
});

describe('account rules', () => {
  const user = { name: 'Ann', role: 'agent' as const, disabled: false };

  it('when a change repeats current values, then nothing is changed', () => {
    expect(changedFields(user, { name: 'Ann', role: 'agent', disabled: false })).toEqual([]);
    expect(changedFields(user, {})).toEqual([]);
  });

  it('when values differ, then exactly those fields, in a stable order', () => {
    expect(changedFields(user, { disabled: true, name: 'Bo', role: 'agent' })).toEqual(['name', 'disabled']);
    expect(changedFields(user, { role: 'admin' })).toEqual(['role']);
  });

  it('when admins would disable or demote themselves, then it is a conflict; others, or harmless self-changes, are fine', () => {
    expect(selfChangeConflict('a', 'a', { disabled: true })).toMatch(/disable/);
    expect(selfChangeConflict('a', 'a', { role: 'customer' })).toMatch(/admin role/);
    expect(selfChangeConflict('a', 'a', { role: 'admin', disabled: false, name: 'x' })).toBeNull();
    expect(selfChangeConflict('a', 'b', { disabled: true, role: 'customer' })).toBeNull();
  });

  it('when emails differ only in case or surrounding space, then they normalize alike', () => {
    expect(normalizeEmail('  Ann@Example.COM ')).toBe(normalizeEmail('ann@example.com'));
  });

  it.each([
    ['123456789', false],
    ['1234567890', true],
    ['          ', false],
    ['a'.repeat(72), true],
    ['a'.repeat(73), false],
    ['ü'.repeat(36), true],
    ['ü'.repeat(37), false],
    ['abcdefghij\u0000', false],
  ])('when the password is %j, then accepted is %s', (password, ok) => {
    expect(passwordSchema.safeParse(password).success).toBe(ok);
  });

  it('when an email or name has surrounding space, then it is trimmed; a blank name is refused', () => {
    expect(emailSchema.parse('  a@b.co ')).toBe('a@b.co');
    expect(emailSchema.safeParse('a@b').success).toBe(false);
    expect(nameSchema.parse(' Ann ')).toBe('Ann');
    expect(nameSchema.safeParse('  ').success).toBe(false);
  });
});
