/**
 * The public surface of Parley's actor runtime. Outside `runtime/`, import
 * only from here (tests may also use `runtime/testing/index.ts`).
 */
export { ErrorCode, ParleyError, quote } from './errors.ts';
export { type Clock, type TimerHandle, systemClock, sleep } from './clock.ts';
export { type Random, systemRandom, seededRandom } from './random.ts';
