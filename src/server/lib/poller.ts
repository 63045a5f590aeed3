/**
 * The loop every queue worker runs (the webhook dispatcher, the report worker): claim work on a
 * timer and whenever woken, one claim at a time — a wake during a claim claims again right after
 * it — until stopped. What a claim starts (deliveries, renders) is the worker's to track.
 */
export interface Poller {
  /** Claims now instead of at the next tick (several wakes during one claim make one more claim). */
  wake(): void;
  start(): void;
  /** No more claims; resolves once a claim in progress has finished. */
  stop(): Promise<void>;
  readonly running: boolean;
}

export function createPoller(opts: { intervalMs: number; claim: () => Promise<void>; onError: (err: unknown) => void }): Poller {
  let running = false;
  let claiming: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;

  async function loop() {
    try {
      do {
        again = false;
        await opts.claim();
      } while (again && running);
    } catch (err) {
      if (running) opts.onError(err);
    } finally {
      claiming = undefined;
    }
  }

  function poll() {
    if (!running) return;
    if (claiming) {
      again = true;
      return;
    }
    claiming = loop();
  }

  return {
    get running() {
      return running;
    },
    wake() {
      if (running) setImmediate(poll);
    },
    start() {
      if (running) return;
      running = true;
      timer = setInterval(poll, opts.intervalMs);
      timer.unref();
      setImmediate(poll);
    },
    async stop() {
      running = false;
      clearInterval(timer);
      await claiming;
    },
  };
}
