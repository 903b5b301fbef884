import { createPrivateKey } from 'node:crypto';
import { ConfigError, generateSigningKeyPem, loadConfig } from '@helmdesk/platform';
import { authConfigSchema } from '../../src/config';

const required = { DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db', KAFKA_BROKERS: '127.0.0.1:9092' };

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(authConfigSchema, env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('the auth configuration', () => {
  it('when only the required variables and a key are given, then the documented defaults apply', () => {
    const config = loadConfig(authConfigSchema, { ...required, JWT_SIGNING_KEYS: generateSigningKeyPem() });
    expect(config).toMatchObject({
      PORT: 8081,
      JWT_ISSUER: 'helmdesk',
      JWT_AUDIENCE: 'helmdesk-api',
      JWT_ACCESS_TTL_SECONDS: 900,
      REFRESH_TTL_SECONDS: 30 * 86_400,
      BCRYPT_COST: 12,
      LOGIN_MAX_FAILURES_PER_ACCOUNT: 10,
      LOGIN_MAX_FAILURES_PER_ADDRESS: 50,
      LOGIN_WINDOW_SECONDS: 900,
      HELMDESK_ADMIN_EMAIL: 'admin@helmdesk.local',
    });
    expect(config.HELMDESK_ADMIN_PASSWORD).toBeUndefined();
    expect(config.TRUST_PROXY).toBeUndefined();
  });

  it('when neither JWT_SIGNING_KEYS nor HELMDESK_DEV_KEYS_DIR is set, then it is refused naming JWT_SIGNING_KEYS', () => {
    expect(configError(required).issues.map((i) => i.variable)).toEqual(['JWT_SIGNING_KEYS']);
    expect(loadConfig(authConfigSchema, { ...required, HELMDESK_DEV_KEYS_DIR: '.helmdesk/keys' }).JWT_SIGNING_KEYS).toBeUndefined();
  });

  it('when JWT_SIGNING_KEYS is not a usable key, then it is refused naming it', () => {
    for (const bad of ['not a key', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----']) {
      const err = configError({ ...required, JWT_SIGNING_KEYS: bad });
      expect(err.issues).toEqual([{ variable: 'JWT_SIGNING_KEYS', message: expect.stringMatching(/PEM private keys/) }]);
    }
  });

  it('when keys come as SEC1, several concatenated, or on one line with \\n escapes, then they are accepted', () => {
    const sec1 = createPrivateKey(generateSigningKeyPem()).export({ format: 'pem', type: 'sec1' }).toString();
    const two = `${generateSigningKeyPem()}\n${sec1}`;
    expect(loadConfig(authConfigSchema, { ...required, JWT_SIGNING_KEYS: sec1 }).JWT_SIGNING_KEYS).toBe(sec1);
    expect(loadConfig(authConfigSchema, { ...required, JWT_SIGNING_KEYS: two }).JWT_SIGNING_KEYS).toBe(two);
    const oneLine = sec1.trim().replace(/\n/g, '\\n');
    expect(() => loadConfig(authConfigSchema, { ...required, JWT_SIGNING_KEYS: oneLine })).not.toThrow();
  });

  it.each([
    ['HELMDESK_ADMIN_PASSWORD', 'short'],
    ['HELMDESK_ADMIN_EMAIL', 'not-an-email'],
    ['BCRYPT_COST', '3'],
    ['BCRYPT_COST', '20'],
    ['LOGIN_MAX_FAILURES_PER_ACCOUNT', '0'],
    ['LOGIN_WINDOW_SECONDS', 'soon'],
    ['PORT', '70000'],
  ])('when %s is %j, then it is refused naming it', (variable, value) => {
    const err = configError({ ...required, HELMDESK_DEV_KEYS_DIR: '/tmp/x', [variable]: value });
    expect(err.issues.map((i) => i.variable)).toEqual([variable]);
  });

  it.each([
    ['true', 1],
    ['false', false],
    ['2', 2],
    ['loopback, 10.0.0.0/8', 'loopback, 10.0.0.0/8'],
  ])('when TRUST_PROXY is %j, then Express gets %j', (value, expected) => {
    expect(loadConfig(authConfigSchema, { ...required, HELMDESK_DEV_KEYS_DIR: '/tmp/x', TRUST_PROXY: value }).TRUST_PROXY).toEqual(expected);
  });
});
