import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { generateSigningKeyPem } from '@helmdesk/platform';
import { b64, signHs256, signJwt } from '@helmdesk/testkit';
import { problemType, signedIn, startAuthService, type AuthServiceFixture } from './fixture';

jest.setTimeout(60_000);

let fx: AuthServiceFixture;
let userId: string;
let realKey: KeyObject;
let kid: string;

beforeAll(async () => {
  fx = await startAuthService();
  userId = (await signedIn(fx, 'customer')).user.id;
  realKey = createPrivateKey(fx.pems[0]!);
  kid = fx.svc.keys[0]!.kid;
});

afterAll(async () => {
  await fx.stop();
});

const now = () => Math.floor(Date.now() / 1000);

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { sub: userId, role: 'customer', iss: 'helmdesk', aud: 'helmdesk-api', iat: now(), exp: now() + 600, jti: randomUUID(), ...overrides };
}

/** Signs with a private key exactly as given. */
function signES256(payload: Record<string, unknown>, key: KeyObject = realKey, header: Record<string, unknown> = { kid }): string {
  return signJwt({ alg: 'ES256', typ: 'JWT', ...header }, payload, key);
}

/** An HS256 token whose HMAC secret is `secret` (the classic algorithm-confusion attack). */
function signHS256(payload: Record<string, unknown>, secret: string | Buffer): string {
  return signHs256({ alg: 'HS256', typ: 'JWT', kid }, payload, secret);
}

async function me(token: string) {
  return fx.api().get('/api/v1/auth/me').set('authorization', `Bearer ${token}`);
}

async function expectRefused(token: string) {
  const res = await me(token);
  expect(res.status).toBe(401);
  expect(res.headers['content-type']).toMatch(problemType);
  expect(res.body.status).toBe(401);
  expect(JSON.stringify(res.body)).not.toContain(userId);
}

describe('access tokens on a protected route (GET /api/v1/auth/me)', () => {
  it('when the token is signed by the published key with every claim right, then it is accepted (the control)', async () => {
    const res = await me(signES256(claims()));
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(userId);
  });

  it.each(['none', 'None', 'NONE'])('when alg is "%s" and the signature is empty, then 401', async (alg) => {
    await expectRefused(`${b64({ alg, typ: 'JWT', kid })}.${b64(claims({ role: 'admin' }))}.`);
    await expectRefused(`${b64({ alg, typ: 'JWT' })}.${b64(claims())}.`);
  });

  it('when an ES256 token has its signature stripped, then 401', async () => {
    const [h, p] = signES256(claims()).split('.');
    await expectRefused(`${h}.${p}.`);
    await expectRefused(`${h}.${p}`);
  });

  it('when it is HS256 with the public key (PEM, DER, JWK JSON, JWK x) as the HMAC secret, then 401', async () => {
    const publicKey = createPublicKey(realKey);
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const jwk = (await fx.api().get('/.well-known/jwks.json')).body.keys[0];
    const secrets: (string | Buffer)[] = [
      pem,
      pem.trim(),
      publicKey.export({ type: 'spki', format: 'der' }),
      JSON.stringify(jwk),
      JSON.stringify(publicKey.export({ format: 'jwk' })),
      String(jwk.x),
    ];
    for (const secret of secrets) await expectRefused(signHS256(claims({ role: 'admin' }), secret));
  });

  it('when it is signed by another key but carries the published kid, then 401', async () => {
    const other = createPrivateKey(generateSigningKeyPem());
    await expectRefused(signES256(claims({ role: 'admin' }), other));
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    await expectRefused(signJwt({ alg: 'RS256', typ: 'JWT', kid }, claims(), rsa));
  });

  it('when the payload is changed after signing, then 401', async () => {
    const [h, , s] = signES256(claims()).split('.');
    await expectRefused(`${h}.${b64(claims({ role: 'admin' }))}.${s}`);
    const [h2, p2, s2] = signES256(claims()).split('.');
    const flipped = Buffer.from(p2!, 'base64url').toString().replace('"customer"', '"agent"');
    await expectRefused(`${h2}.${Buffer.from(flipped).toString('base64url')}.${s2}`);
  });

  it('when it has expired (past the clock tolerance), then 401', async () => {
    await expectRefused(signES256(claims({ iat: now() - 1000, exp: now() - 60 })));
  });

  it('when the audience or the issuer is wrong, then 401', async () => {
    await expectRefused(signES256(claims({ aud: 'another-api' })));
    await expectRefused(signES256(claims({ aud: ['another-api'] })));
    await expectRefused(signES256(claims({ iss: 'evil' })));
    await expectRefused(signES256(claims({ iss: 'https://helmdesk' })));
  });

  it('when the kid is unknown or missing, then 401', async () => {
    await expectRefused(signES256(claims(), realKey, { kid: 'not-a-published-kid' }));
    await expectRefused(signES256(claims(), realKey, {}));
  });

  it.each([
    ['sub', { sub: undefined }],
    ['role', { role: undefined }],
    ['jti', { jti: undefined }],
    ['exp', { exp: undefined }],
    ['a known role', { role: 'superuser' }],
    ['a string sub', { sub: 42 }],
  ])('when the claim %s is missing or wrong, then 401', async (_what, overrides) => {
    const payload = claims(overrides);
    for (const key of Object.keys(payload)) if (payload[key] === undefined) delete payload[key];
    await expectRefused(signES256(payload));
  });

  it('when the token is not a JWT at all, then 401', async () => {
    for (const token of ['abc', 'a.b.c', `${b64({ alg: 'ES256', kid })}.notjson.sig`, '...']) await expectRefused(token);
  });
});
