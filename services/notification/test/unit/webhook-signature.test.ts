import { newWebhookSecret, signWebhook, verifyWebhook } from '../../src/domain/webhook-signature';

// The reference vector of the Standard Webhooks test suite.
const vector = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const signedAt = new Date(vector.timestamp * 1000);

describe('Standard Webhooks signatures', () => {
  it('signs the reference vector as the specification does', () => {
    expect(signWebhook(vector.secret, vector.id, vector.timestamp, vector.body)).toEqual({
      'webhook-id': vector.id,
      'webhook-timestamp': String(vector.timestamp),
      'webhook-signature': vector.signature,
    });
  });

  it('verifies a signature, also among several, and refuses a changed body, id or secret', () => {
    const headers = signWebhook(vector.secret, vector.id, vector.timestamp, vector.body);
    expect(verifyWebhook(vector.secret, headers, vector.body, signedAt)).toBe(true);
    expect(verifyWebhook(vector.secret, { ...headers, 'webhook-signature': `v1,bm9wZQ== ${vector.signature}` }, vector.body, signedAt)).toBe(true);
    expect(verifyWebhook(vector.secret, headers, '{"test": 2432232315}', signedAt)).toBe(false);
    expect(verifyWebhook(vector.secret, { ...headers, 'webhook-id': 'msg_other' }, vector.body, signedAt)).toBe(false);
    expect(verifyWebhook(newWebhookSecret(), headers, vector.body, signedAt)).toBe(false);
  });

  it('refuses a timestamp more than five minutes away', () => {
    const headers = signWebhook(vector.secret, vector.id, vector.timestamp, vector.body);
    expect(verifyWebhook(vector.secret, headers, vector.body, new Date(signedAt.getTime() + 299_000))).toBe(true);
    expect(verifyWebhook(vector.secret, headers, vector.body, new Date(signedAt.getTime() + 301_000))).toBe(false);
  });

  it('makes secrets of 32 random bytes behind the whsec_ prefix', () => {
    const a = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(a);
  });
});
