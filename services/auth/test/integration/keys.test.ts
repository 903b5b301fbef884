import { createPrivateKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKeyPem } from '@helmdesk/platform';
import { signJwt } from '@helmdesk/testkit';
import { loadSigningKeys } from '../../src/security/signing-keys';
import { login, register, startAuthService, type AuthServiceFixture } from './fixture';

jest.setTimeout(60_000);

const headerOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string; alg: string };

describe('key rotation: two keys configured', () => {
  let fx: AuthServiceFixture;
  const older = generateSigningKeyPem();
  // The newer key in SEC1 ("EC PRIVATE KEY"), as the Helm chart generates it.
  const newer = createPrivateKey(generateSigningKeyPem()).export({ format: 'pem', type: 'sec1' }).toString();

  beforeAll(async () => {
    expect(newer).toContain('BEGIN EC PRIVATE KEY');
    fx = await startAuthService({ pems: [older, newer] });
  });

  afterAll(async () => {
    await fx.stop();
  });

  it('when the JWKS is read, then both public keys are there; tokens are signed by the newest; one signed by the older still verifies', async () => {
    const [olderKey, newerKey] = fx.svc.keys;
    const jwks = (await fx.api().get('/.well-known/jwks.json')).body.keys as { kid: string; alg: string; use: string; d?: string }[];
    expect(jwks.map((k) => k.kid)).toEqual([olderKey!.kid, newerKey!.kid]);
    expect(jwks.every((k) => k.alg === 'ES256' && k.use === 'sig' && k.d === undefined)).toBe(true);

    const user = await register(fx);
    const session = await login(fx, user.email, user.password);
    expect(headerOf(session.accessToken).kid).toBe(newerKey!.kid);
    expect((await fx.api().get('/api/v1/auth/me').set('authorization', `Bearer ${session.accessToken}`)).status).toBe(200);

    const now = Math.floor(Date.now() / 1000);
    const claims = () => ({ sub: user.id, role: 'customer', iss: 'helmdesk', aud: 'helmdesk-api', iat: now, exp: now + 300, jti: randomUUID() });
    const byOlder = signJwt({ alg: 'ES256', typ: 'JWT', kid: olderKey!.kid }, claims(), createPrivateKey(older));
    const me = await fx.api().get('/api/v1/auth/me').set('authorization', `Bearer ${byOlder}`);
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(user.id);

    // The older key's token under the newer key's kid is a forgery.
    const mislabelled = signJwt({ alg: 'ES256', typ: 'JWT', kid: newerKey!.kid }, claims(), createPrivateKey(older));
    expect((await fx.api().get('/api/v1/auth/me').set('authorization', `Bearer ${mislabelled}`)).status).toBe(401);
  });
});

describe('an RSA signing key', () => {
  let fx: AuthServiceFixture;

  beforeAll(async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs1' }).toString();
    fx = await startAuthService({ pems: [rsa] });
  });

  afterAll(async () => {
    await fx.stop();
  });

  it('when the configured key is RSA (PKCS#1), then tokens are RS256 and verify', async () => {
    const user = await register(fx);
    const session = await login(fx, user.email, user.password);
    expect(headerOf(session.accessToken).alg).toBe('RS256');
    expect((await fx.api().get('/api/v1/auth/me').set('authorization', `Bearer ${session.accessToken}`)).status).toBe(200);
    const jwk = (await fx.api().get('/.well-known/jwks.json')).body.keys[0];
    expect(jwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', n: expect.any(String), e: 'AQAB' });
    for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(jwk).not.toHaveProperty(secret);
  });
});

describe('the local development key (HELMDESK_DEV_KEYS_DIR)', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'helmdesk-auth-keys-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('when there is no key yet, then one is generated with mode 600, and the next start reuses it', () => {
    const keysDir = join(dir, 'nested', 'keys');
    const first = loadSigningKeys({ HELMDESK_DEV_KEYS_DIR: keysDir });
    expect(first.origin).toBe('generated');
    const file = join(keysDir, 'signing-key.pem');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain('PRIVATE KEY');
    const second = loadSigningKeys({ HELMDESK_DEV_KEYS_DIR: keysDir });
    expect(second.origin).toBe('dev-keys-dir');
    expect(second.keys.map((k) => k.kid)).toEqual(first.keys.map((k) => k.kid));
  });

  it('when JWT_SIGNING_KEYS is set, then it wins and the folder is not touched', () => {
    const pem = generateSigningKeyPem();
    const loaded = loadSigningKeys({ JWT_SIGNING_KEYS: pem, HELMDESK_DEV_KEYS_DIR: join(dir, 'unused') });
    expect(loaded.origin).toBe('JWT_SIGNING_KEYS');
    expect(() => statSync(join(dir, 'unused'))).toThrow();
  });

  it('when the key file is there but is not a key, then loading fails instead of silently replacing it', () => {
    writeFileSync(join(dir, 'signing-key.pem'), 'garbage', { mode: 0o600 });
    expect(() => loadSigningKeys({ HELMDESK_DEV_KEYS_DIR: dir })).toThrow(/PEM/);
  });

  it('when the service is built on the dev key, then it signs with it', async () => {
    const fx = await startAuthService({ pems: [], env: { JWT_SIGNING_KEYS: '', HELMDESK_DEV_KEYS_DIR: dir } });
    try {
      const kid = loadSigningKeys({ HELMDESK_DEV_KEYS_DIR: dir }).keys[0]!.kid;
      expect(fx.svc.keys.map((k) => k.kid)).toEqual([kid]);
      const session = await login(fx, fx.admin.email, fx.admin.password);
      expect(headerOf(session.accessToken).kid).toBe(kid);
    } finally {
      await fx.stop();
    }
  });
});
