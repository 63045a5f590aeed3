import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // One migrated database per run, which every test server copies (test/helpers/global-setup.ts).
    globalSetup: ['test/helpers/global-setup.ts'],
    // Every server a file started is stopped and checked at its end (test/helpers/file-hooks.ts).
    setupFiles: ['test/helpers/file-hooks.ts'],
    // Each file starts its own server on its own database; two cores, so a few at a time.
    // isolate: false runs a fork's files one after another in the same process, so the app's modules
    // (and the packages they load) are evaluated once per fork instead of once per file, which cost
    // a second or two of CPU per file. Nothing keeps state from one file to the next that matters:
    // each file starts servers of its own over a copy of the template. minForks = maxForks: a fork
    // that goes idle while others still run is then never terminated (tinypool's idle shrink
    // rejected "Terminating worker thread" and aborted the run).
    pool: 'forks',
    poolOptions: { forks: { maxForks: 3, minForks: 3, isolate: false } },
    // Generous for a loaded 2-core machine; the suite's tests take seconds, not minutes.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // expect.poll waits for a page or a queue to reach a state; its default of one second failed a
    // browser test on a loaded CI machine (a table that took longer to fill). Waiting longer costs
    // nothing when the state comes early.
    expect: { poll: { timeout: 20_000 } },
  },
});
