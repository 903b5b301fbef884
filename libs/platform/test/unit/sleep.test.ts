import { getEventListeners } from 'node:events';
import { sleep } from '../../src/sleep';

describe('sleep', () => {
  it('ends at its time, or as soon as any of its signals aborts, or at once when one already has', async () => {
    const started = Date.now();
    await sleep(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    const wake = new AbortController();
    const stop = new AbortController();
    const early = sleep(60_000, wake.signal, stop.signal);
    setTimeout(() => stop.abort('stop'), 10);
    await early;
    expect(Date.now() - started).toBeLessThan(5_000);
    await sleep(60_000, undefined, stop.signal);
  });

  it('leaves no listener on a long-lived signal, however the sleep ended (AbortSignal.any() leaked one per turn)', async () => {
    const stop = new AbortController();
    for (let turn = 0; turn < 200; turn++) {
      const wake = new AbortController();
      const sleeping = sleep(turn % 2 === 0 ? 0 : 60_000, wake.signal, stop.signal);
      if (turn % 2 === 1) wake.abort('woken');
      await sleeping;
    }
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
  });
});
