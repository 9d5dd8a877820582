/**
 * The progress line of a simulation: scenario, run k/K, simulated time over
 * total, events per wall second, and the speed ratio (simulated seconds per
 * wall second), e.g.
 *
 *   partition-heal run 2/5  sim 42.0/90 s  1.23M events/s  speed 310x
 *
 * On a terminal (`out.isTTY`) the line is rewritten in place with `\r`, at
 * most every 0.1 s of wall time, and cleared by `done()`. Elsewhere (CI logs)
 * it is a plain line, at most one every 5 s of wall time, so short runs print
 * nothing. Disabled, it never writes.
 *
 * Pure: it reads no clock. The caller passes `wallS`, the wall seconds since
 * the current run started (from `wall-clock.ts`); wall time across runs is
 * added up when `scenario` or `run` changes.
 */

export interface ProgressUpdate {
  readonly scenario: string;
  /** 1-based. */
  readonly run: number;
  readonly runs: number;
  readonly simulatedS: number;
  readonly totalS: number;
  /** Events the current run has processed so far. */
  readonly events: number;
  /** Wall seconds since the current run started. */
  readonly wallS: number;
}

const TTY_EVERY_S = 0.1;
const LOG_EVERY_S = 5;

export class Progress {
  private readonly out: NodeJS.WritableStream;
  private readonly enabled: boolean;
  private readonly tty: boolean;
  private current = '';
  private offsetS = 0;
  private lastWallS = 0;
  private printedAtS: number | undefined;
  private shown = false;

  constructor(out: NodeJS.WritableStream, enabled: boolean) {
    this.out = out;
    this.enabled = enabled;
    this.tty = (out as { isTTY?: boolean }).isTTY === true;
  }

  update(p: ProgressUpdate): void {
    if (!this.enabled) return;
    const key = `${p.scenario}\u0000${p.run}`;
    if (key !== this.current) {
      this.offsetS += this.lastWallS;
      this.current = key;
    }
    this.lastWallS = p.wallS;
    const totalWallS = this.offsetS + p.wallS;
    if (this.tty) {
      if (this.printedAtS !== undefined && totalWallS - this.printedAtS < TTY_EVERY_S) return;
      this.out.write(`\r${formatProgress(p)}\u001b[K`);
      this.shown = true;
    } else {
      if (totalWallS - (this.printedAtS ?? 0) < LOG_EVERY_S) return;
      this.out.write(`${formatProgress(p)}\n`);
    }
    this.printedAtS = totalWallS;
  }

  /** Clears the terminal line (the results are printed after it). */
  done(): void {
    if (this.enabled && this.tty && this.shown) this.out.write('\r\u001b[K');
    this.shown = false;
  }
}

export function formatProgress(p: ProgressUpdate): string {
  const runs = p.runs > 1 ? ` run ${p.run}/${p.runs}` : '';
  const sim = `sim ${p.simulatedS.toFixed(1)}/${formatNumber(p.totalS)} s`;
  if (p.wallS <= 0) return `${p.scenario}${runs}  ${sim}`;
  const rate = `${formatCount(p.events / p.wallS)} events/s`;
  const speed = `speed ${formatNumber(p.simulatedS / p.wallS)}x`;
  return `${p.scenario}${runs}  ${sim}  ${rate}  ${speed}`;
}

/** Three significant digits at most: 310, 42.5, 1.23. */
function formatNumber(n: number): string {
  if (n >= 100) return String(Math.round(n));
  return String(Number(n.toPrecision(3)));
}

/** 950, 12.3k, 1.23M. */
function formatCount(n: number): string {
  if (n >= 999_500) return `${formatNumber(n / 1e6)}M`;
  if (n >= 999.5) return `${formatNumber(n / 1e3)}k`;
  return String(Math.round(n));
}
