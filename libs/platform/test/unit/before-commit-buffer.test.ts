import { BeforeCommitBuffer } from '@helmdesk/platform';

/** A stand-in for the consumer runner: collects the before-commit tasks, runs them at "commit". */
function transaction() {
  const tasks: Array<() => Promise<void>> = [];
  return {
    trx: {},
    meta: { beforeCommit: (task: () => Promise<void>) => void tasks.push(task) },
    commit: async () => {
      for (const task of tasks) await task();
    },
  };
}

describe('the before-commit buffer', () => {
  it('applies a transaction’s items together, once, at commit, and keeps transactions apart', async () => {
    const applied: string[][] = [];
    const buffer = new BeforeCommitBuffer<object, string>(async (_trx, items) => void applied.push(items));
    const [one, two] = [transaction(), transaction()];
    buffer.add(one.trx, one.meta, 'a');
    buffer.add(two.trx, two.meta, 'x');
    buffer.add(one.trx, one.meta, 'b');
    expect(applied).toEqual([]);
    await one.commit();
    await two.commit();
    expect(applied).toEqual([['a', 'b'], ['x']]);
  });

  it('when flushed mid-transaction, then what was collected is applied at once, and later items at commit', async () => {
    const applied: string[][] = [];
    const buffer = new BeforeCommitBuffer<object, string>(async (_trx, items) => void applied.push(items));
    const t = transaction();
    buffer.add(t.trx, t.meta, 'a');
    await buffer.flush(t.trx);
    expect(applied).toEqual([['a']]);
    buffer.add(t.trx, t.meta, 'b');
    await t.commit();
    expect(applied).toEqual([['a'], ['b']]);
    await buffer.flush(t.trx); // nothing left
    expect(applied).toHaveLength(2);
  });
});
