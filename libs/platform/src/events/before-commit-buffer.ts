import type { EventMeta } from './consumer';

/**
 * Items that handlers collect during one consumer transaction and that are applied together
 * just before it commits (`EventMeta.beforeCommit`), keyed by the transaction. The first item of
 * a transaction schedules `apply`; a handler whose event must see the collected items applied
 * first calls `flush`, and items added after that are applied by a later call.
 */
export class BeforeCommitBuffer<Trx extends object, T> {
  private readonly pending = new WeakMap<Trx, T[]>();

  constructor(private readonly apply: (trx: Trx, items: T[]) => Promise<void>) {}

  add(trx: Trx, meta: Pick<EventMeta, 'beforeCommit'>, item: T): void {
    const items = this.pending.get(trx);
    if (items) return void items.push(item);
    this.pending.set(trx, [item]);
    meta.beforeCommit(() => this.flush(trx));
  }

  /** Applies what was collected in this transaction so far, if anything. */
  async flush(trx: Trx): Promise<void> {
    const items = this.pending.get(trx);
    if (!items) return;
    this.pending.delete(trx);
    await this.apply(trx, items);
  }
}
