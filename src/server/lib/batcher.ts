/**
 * Group commit for the hottest writes: calls with the same key (a tenant and the shape of the
 * write) that arrive while `inFlight` batches of that key are already running wait and go together
 * as the next batch, one statement and one commit for all of them. With no load, a call runs at
 * once, alone; under load the batches grow by themselves. Every call is still answered only after
 * its own row committed, and `run` answers each item separately (an Error for one that failed).
 */
interface BatcherOptions {
  /** Batches of one key running at the same time. */
  inFlight: number;
  /** Items in one batch at most. */
  maxItems: number;
}

interface Waiting<I, O> {
  item: I;
  resolve(value: O): void;
  reject(err: unknown): void;
}

interface Lane<I, O> {
  waiting: Waiting<I, O>[];
  running: number;
}

export class Batcher<I, O> {
  private readonly lanes = new Map<string, Lane<I, O>>();

  constructor(
    private readonly run: (items: I[]) => Promise<(O | Error)[]>,
    private readonly opts: BatcherOptions = { inFlight: 1, maxItems: 100 },
  ) {}

  add(key: string, item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      let lane = this.lanes.get(key);
      if (!lane) this.lanes.set(key, (lane = { waiting: [], running: 0 }));
      lane.waiting.push({ item, resolve, reject });
      this.pump(key, lane);
    });
  }

  private pump(key: string, lane: Lane<I, O>) {
    while (lane.running < this.opts.inFlight && lane.waiting.length > 0) {
      const batch = lane.waiting.splice(0, this.opts.maxItems);
      lane.running++;
      this.run(batch.map((w) => w.item))
        .then(
          (results) => batch.forEach((w, i) => (results[i] instanceof Error ? w.reject(results[i]) : w.resolve(results[i] as O))),
          (err: unknown) => batch.forEach((w) => w.reject(err)),
        )
        .finally(() => {
          lane.running--;
          if (lane.running === 0 && lane.waiting.length === 0) this.lanes.delete(key);
          else this.pump(key, lane);
        });
    }
  }
}
