/**
 * The only place the simulator reads real time: to report how fast a run
 * went (wall seconds, the speed ratio). Nothing simulated may depend on it;
 * `scripts/tidy.ts` allows `performance.now` here and nowhere else in
 * `simulations/`.
 */
export const wallSeconds = (): number => performance.now() / 1000;
