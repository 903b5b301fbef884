import { WriteCoalescer } from '../../src/delivery/write-coalescer';

/** A writer whose calls stay open until the test lets them finish. */
function heldWriter() {
  const calls: { items: number[]; finish: () => void; fail: (err: Error) => void }[] = [];
  const writeAll = (items: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      calls.push({ items, finish: () => resolve(items.map((i) => `wrote ${i}`)), fail: reject });
    });
  return { calls, writeAll };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('WriteCoalescer', () => {
  it('writes alone when nothing is in flight, and together what was asked for meanwhile', async () => {
    const { calls, writeAll } = heldWriter();
    const coalescer = new WriteCoalescer(writeAll);
    const first = coalescer.write(1);
    const rest = [coalescer.write(2), coalescer.write(3), coalescer.write(4)];
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1]]);
    calls[0]!.finish();
    expect(await first).toBe('wrote 1');
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1], [2, 3, 4]]);
    calls[1]!.finish();
    expect(await Promise.all(rest)).toEqual(['wrote 2', 'wrote 3', 'wrote 4']);
    // Idle again: the next write goes at once.
    const later = coalescer.write(5);
    await tick();
    expect(calls).toHaveLength(3);
    calls[2]!.finish();
    expect(await later).toBe('wrote 5');
  });

  it('fails every write of a failed call, and goes on with the next ones', async () => {
    const { calls, writeAll } = heldWriter();
    const coalescer = new WriteCoalescer(writeAll);
    const first = coalescer.write(1);
    const second = coalescer.write(2);
    await tick();
    calls[0]!.fail(new Error('connection lost'));
    await expect(first).rejects.toThrow('connection lost');
    await tick();
    calls[1]!.finish();
    expect(await second).toBe('wrote 2');
  });

  it('splits a long queue into calls of at most maxBatch items, in order', async () => {
    const { calls, writeAll } = heldWriter();
    const coalescer = new WriteCoalescer(writeAll, 2);
    const writes = [1, 2, 3, 4, 5, 6].map((i) => coalescer.write(i));
    for (let i = 0; i < 4; i++) {
      await tick();
      calls[i]!.finish();
    }
    expect(await Promise.all(writes)).toEqual([1, 2, 3, 4, 5, 6].map((i) => `wrote ${i}`));
    expect(calls.map((c) => c.items)).toEqual([[1], [2, 3], [4, 5], [6]]);
  });
});
