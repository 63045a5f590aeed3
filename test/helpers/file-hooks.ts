import { afterAll } from 'vitest';
import { checkAll } from './checks.js';

// A setup file (vitest.config.ts): runs in every test file, so every server a file started is
// stopped and checked at its end, including those a test started and closed by itself.
afterAll(checkAll);
