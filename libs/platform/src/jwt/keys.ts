import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

export type JwtAlgorithm = 'ES256' | 'RS256';

export interface SigningKey {
  kid: string;
  alg: JwtAlgorithm;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface PublicJwk {
  kty: string;
  kid: string;
  alg: JwtAlgorithm;
  use: 'sig';
  [member: string]: unknown;
}

function algorithmOf(key: KeyObject): JwtAlgorithm {
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  if (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048) return 'RS256';
  throw new Error('signing keys must be EC P-256 (ES256) or RSA ≥ 2048 bits (RS256)');
}

/** RFC 7638 JWK thumbprint: a stable `kid` derived from the public key itself. */
function thumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' }) as Record<string, string>;
  const members =
    jwk.kty === 'EC'
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
      : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

export function signingKeyFrom(privateKey: KeyObject): SigningKey {
  const publicKey = createPublicKey(privateKey);
  return { kid: thumbprint(publicKey), alg: algorithmOf(privateKey), privateKey, publicKey };
}

/** Parses one or more concatenated PEM private keys; order is kept (the last one signs). */
export function parseSigningKeys(pem: string): SigningKey[] {
  const blocks = pem.match(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----/g) ?? [];
  if (blocks.length === 0) throw new Error('no PEM private key found');
  return blocks.map((block) => signingKeyFrom(createPrivateKey(block)));
}

export function generateSigningKeyPem(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

export function publicJwk(key: SigningKey): PublicJwk {
  const jwk = key.publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
  return { ...jwk, kty: String(jwk.kty), kid: key.kid, alg: key.alg, use: 'sig' };
}
