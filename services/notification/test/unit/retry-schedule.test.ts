import { attemptsExhausted, retryDelayMs, waitDelayMs } from '../../src/domain/retry-schedule';

const policy = { maxAttempts: 4, baseMs: 1_000, maxMs: 5_000 };

describe('the retry schedule', () => {
  it('doubles the delay per attempt up to the cap, with ±20 % jitter', () => {
    const exact = () => 0.5; // no jitter
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(policy, n, exact))).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
    expect(retryDelayMs(policy, 1, () => 0)).toBe(800);
    expect(retryDelayMs(policy, 1, () => 0.9999)).toBe(1_200);
    expect(retryDelayMs(policy, 1_000, exact)).toBe(5_000);
  });

  it('gives up after the configured attempts', () => {
    expect(attemptsExhausted(policy, 3)).toBe(false);
    expect(attemptsExhausted(policy, 4)).toBe(true);
  });

  it('looks again at a mail waiting for its recipient after half its age, from 200 ms up to the cap', () => {
    expect(waitDelayMs(policy, 0)).toBe(200);
    expect(waitDelayMs(policy, 300)).toBe(200);
    expect(waitDelayMs(policy, 1_000)).toBe(500);
    expect(waitDelayMs(policy, 6_000)).toBe(3_000);
    expect(waitDelayMs(policy, 3_600_000)).toBe(5_000);
    // A policy retrying faster than that waits no longer for a projection than for a retry.
    expect(waitDelayMs({ ...policy, baseMs: 50 }, 0)).toBe(50);
  });
});
