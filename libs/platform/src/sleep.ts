/**
 * A sleep that ends early when any of `signals` aborts. Several signals are taken as they are,
 * not combined with `AbortSignal.any()`: on Node 20 a signal made by `AbortSignal.any()` stays
 * registered with each of its sources until that source aborts (nodejs/node#55351), so a loop that
 * combines a wake-up signal with a long-lived stop signal leaks one entry per turn. Here every
 * listener is removed when the sleep ends.
 */
export function sleep(ms: number, ...signals: (AbortSignal | undefined)[]): Promise<void> {
  return new Promise((resolve) => {
    const sources = signals.filter((s): s is AbortSignal => s !== undefined);
    if (sources.some((s) => s.aborted)) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      for (const s of sources) s.removeEventListener('abort', done);
      resolve();
    }
    for (const s of sources) s.addEventListener('abort', done, { once: true });
  });
}

/** Exponential backoff: 1st attempt → `initial`, doubling up to `max`, with ±20 % jitter. */
export function backoffMs(attempt: number, initial = 200, max = 5_000): number {
  const base = Math.min(max, initial * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}
