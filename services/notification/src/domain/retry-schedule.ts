/**
 * When a failed delivery is tried again: exponential backoff from `baseMs`, doubling per attempt,
 * capped at `maxMs`, with ±20 % jitter so replicas and receivers are not hit in lockstep.
 */
export interface RetryPolicy {
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
}

export function retryDelayMs(policy: RetryPolicy, attemptsSoFar: number, random = Math.random): number {
  const exponent = Math.max(0, attemptsSoFar - 1);
  const base = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(exponent, 30));
  return Math.round(base * (0.8 + random() * 0.4));
}

/** True when the attempt just made was the last one allowed. */
export function attemptsExhausted(policy: RetryPolicy, attemptsSoFar: number): boolean {
  return attemptsSoFar >= policy.maxAttempts;
}

/** How long a mail waits for its recipient or case to become known before it fails. */
export const projectionWaitLimitMs = 24 * 3_600_000;

/**
 * The first look again at a mail waiting for a projection. Under load, a case.assigned is often
 * handled a few milliseconds before the case.created of the same case (the topics are consumed
 * independently): the missing event is then just behind. Waiting the retry policy's base (5 s by
 * default) held 213–333 of the 3 600 mails of the latency benchmark's 200 cases/s back 1–5 s.
 */
export const projectionFirstWaitMs = 200;

/**
 * The next look at a mail still waiting for a projection: half its age so far, at least
 * `projectionFirstWaitMs` and at most the policy's cap — frequent at first, when the missing
 * event is most likely just behind, then ever rarer (about 30 looks in the 24 h it may wait).
 */
export function waitDelayMs(policy: RetryPolicy, ageMs: number): number {
  return Math.round(Math.min(policy.maxMs, Math.max(Math.min(policy.baseMs, projectionFirstWaitMs), ageMs / 2)));
}
