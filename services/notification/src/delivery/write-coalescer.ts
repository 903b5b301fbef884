/**
 * Group commit for small writes: a write asked for while none is in flight goes at once, alone;
 * the writes asked for while one is in flight wait for it and then go together, as one call of
 * `writeAll`. Under load the number of statements follows the database's speed, not the number
 * of writes, and an idle system pays no wait.
 */
export class WriteCoalescer<T, R> {
  private queue: { item: T; resolve: (r: R) => void; reject: (err: unknown) => void }[] = [];
  private flushing = false;

  /**
   * @param writeAll writes the items in one go and returns one result per item, in their order;
   *   when it throws, every write of that call fails with its error.
   * @param maxBatch the most items one call writes.
   */
  constructor(
    private readonly writeAll: (items: T[]) => Promise<R[]>,
    private readonly maxBatch = 500,
  ) {}

  write(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const results = await this.writeAll(batch.map((w) => w.item));
          batch.forEach((w, i) => w.resolve(results[i]!));
        } catch (err) {
          for (const w of batch) w.reject(err);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
