/**
 * Brute-force limits on sign-in: failures are counted per account (the normalized email, known
 * or not — so a 429 says nothing about whether an account exists) and per client address, over a
 * sliding window. Past either limit every attempt is refused, the right password included, until
 * enough failures have left the window.
 */
export interface LoginLimits {
  maxPerAccount: number;
  maxPerAddress: number;
  windowSeconds: number;
}

/**
 * Seconds until the next attempt may be made, from the waits of both counters (each null when
 * under its limit, else the time until the failure that keeps it at the limit leaves the
 * window); null when not limited. Whole seconds, at least 1 (`Retry-After`).
 */
export function retryAfterSeconds(accountWait: number | null, addressWait: number | null): number | null {
  const waits = [accountWait, addressWait].filter((w): w is number => w !== null && Number.isFinite(w));
  if (waits.length === 0) return null;
  return Math.max(1, Math.ceil(Math.max(...waits)));
}
