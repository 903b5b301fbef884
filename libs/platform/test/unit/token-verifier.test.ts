import {
  createJwksVerifier,
  createTokenSigner,
  generateSigningKeyPem,
  parseSigningKeys,
  publicJwk,
  type SigningKey,
} from '@helmdesk/platform';

const issuer = 'helmdesk';
const audience = 'helmdesk-api';

function setUp(ttlSeconds = 900) {
  const first = parseSigningKeys(generateSigningKeyPem());
  let published: SigningKey[] = first;
  const verifier = createJwksVerifier({
    keys: () => published.map(publicJwk),
    issuer,
    audience,
    clockToleranceSeconds: 0,
    refetchIntervalMs: 0,
  });
  const signer = createTokenSigner({ keys: first, issuer, audience, ttlSeconds });
  return {
    verifier,
    signer,
    publish(keys: SigningKey[]) {
      published = keys;
    },
  };
}

describe('the verified-token cache', () => {
  afterEach(() => jest.useRealTimers());

  it('answers the same caller for a token it has seen, and refuses a tampered copy of it', async () => {
    const { verifier, signer } = setUp();
    const token = signer.sign({ sub: '7d0c7c3e-6f1e-4b8e-9d59-1c2a8e7f9a10', role: 'customer' });
    const first = await verifier.verify(token);
    expect(await verifier.verify(token)).toEqual(first);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url')}.${signature}`;
    await expect(verifier.verify(forged)).rejects.toThrow('invalid');
  });

  it('stops accepting a remembered token once it expires', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    const { verifier, signer } = setUp(60);
    const token = signer.sign({ sub: '7d0c7c3e-6f1e-4b8e-9d59-1c2a8e7f9a10', role: 'agent' });
    await expect(verifier.verify(token)).resolves.toMatchObject({ role: 'agent' });
    jest.setSystemTime(Date.now() + 61_000);
    await expect(verifier.verify(token)).rejects.toThrow('expired');
  });

  it('stops accepting a remembered token once its key is no longer published', async () => {
    const { verifier, signer, publish } = setUp();
    const token = signer.sign({ sub: '7d0c7c3e-6f1e-4b8e-9d59-1c2a8e7f9a10', role: 'admin' });
    await expect(verifier.verify(token)).resolves.toMatchObject({ role: 'admin' });
    publish(parseSigningKeys(generateSigningKeyPem()));
    await verifier.refresh();
    await expect(verifier.verify(token)).rejects.toThrow('not signed with an accepted key');
  });
});
