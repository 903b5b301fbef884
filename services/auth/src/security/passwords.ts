import { randomBytes } from 'node:crypto';
import bcrypt from 'bcrypt';

/**
 * bcrypt at the configured cost. Checking a password for an unknown email compares against a
 * dummy hash of the same cost, so the answer takes as long as for a real account.
 */
export class PasswordHasher {
  private dummy: Promise<string> | null = null;

  constructor(readonly cost: number) {}

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.cost);
  }

  /** Compares with `hash`, or with the dummy hash when there is no account (always false then). */
  async verify(password: string, hash: string | undefined): Promise<boolean> {
    if (hash === undefined) {
      await bcrypt.compare(password, await this.dummyHash());
      return false;
    }
    return bcrypt.compare(password, hash);
  }

  /** True when a stored hash was made with another cost (rehashed after a successful sign-in). */
  needsRehash(hash: string): boolean {
    try {
      return bcrypt.getRounds(hash) !== this.cost;
    } catch {
      return false;
    }
  }

  /** Made once, in the background, as soon as the service is built. */
  dummyHash(): Promise<string> {
    this.dummy ??= bcrypt.hash(randomBytes(16).toString('base64url'), this.cost);
    return this.dummy;
  }
}

/** A password for an account nobody chose one for: 144 random bits, URL-safe. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
