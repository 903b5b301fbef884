import { coalesced, outboxCommitted, registerLocalRelay } from '@helmdesk/platform';

describe('the outbox commit signal', () => {
  it('wakes the local relays of the schema, and tells the others only when there is none', () => {
    const woken: string[] = [];
    let toldOthers = 0;
    const tell = () => void toldOthers++;
    const unregister = registerLocalRelay('signal_a', () => woken.push('a'));
    outboxCommitted('signal_a', tell);
    outboxCommitted('signal_b', tell);
    expect(woken).toEqual(['a']);
    expect(toldOthers).toBe(1);
    unregister();
    outboxCommitted('signal_a', tell);
    expect(woken).toEqual(['a']);
    expect(toldOthers).toBe(2);
  });

  it('coalesces calls made while one is in flight into one more call', async () => {
    const started: number[] = [];
    const finishers: Array<() => void> = [];
    const run = coalesced(
      () =>
        new Promise<void>((resolve) => {
          started.push(started.length);
          finishers.push(resolve);
        }),
      () => undefined,
    );
    run();
    run();
    run();
    run();
    expect(started).toHaveLength(1);
    finishers[0]!();
    await new Promise((r) => setImmediate(r));
    expect(started).toHaveLength(2);
    finishers[1]!();
    await new Promise((r) => setImmediate(r));
    expect(started).toHaveLength(2);
    run();
    expect(started).toHaveLength(3);
  });

  it('reports a failed call and still runs the next', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const run = coalesced(async () => {
      calls++;
      if (calls === 1) throw new Error('down');
    }, (err) => errors.push(err));
    run();
    await new Promise((r) => setImmediate(r));
    run();
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(2);
    expect(errors).toEqual([new Error('down')]);
  });
});
