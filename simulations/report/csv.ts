/**
 * The report's CSV files, one row per run per thing, each row starting with
 * the run's scenario, seed and params (`k=v;k=v`) so that the files of many
 * runs concatenate and filter by run:
 * - `series.csv`: one row per series bucket, every `SeriesPoint` field
 *   (empty where the bucket has no value);
 * - `nodes.csv`: one row per `NodeSample`, members joined by spaces;
 * - `checks.csv`: one row per check: name, ok, and the other figures as JSON.
 * Fields are RFC 4180 (`escape.ts`); lines end with `\n`, the file too.
 */
import type { RunResult, SeriesPoint } from '../types.ts';
import { csvLine } from './escape.ts';
import { figuresOf, jsonText, paramsText } from './figures.ts';

const RUN_COLUMNS = ['scenario', 'seed', 'params'] as const;

export const SERIES_FIELDS = [
  't',
  'sends',
  'sentAcks',
  'delivered',
  'sentP50Ms',
  'sentP99Ms',
  'deliverP50Ms',
  'deliverP99Ms',
  'availability',
  'connectedDevices',
] as const satisfies readonly (keyof SeriesPoint)[];

export const NODE_FIELDS = [
  't',
  'node',
  'alive',
  'isolated',
  'viewVersion',
  'members',
  'actors',
  'sessions',
] as const;

function runCells(run: RunResult): unknown[] {
  return [run.scenario, run.seed, paramsText(run)];
}

function file(header: readonly string[], rows: readonly unknown[][]): string {
  return [csvLine(header), ...rows.map(csvLine)].join('\n') + '\n';
}

export function seriesCsv(runs: readonly RunResult[]): string {
  return file(
    [...RUN_COLUMNS, ...SERIES_FIELDS],
    runs.flatMap((run) =>
      run.series.map((p) => [...runCells(run), ...SERIES_FIELDS.map((f) => p[f])]),
    ),
  );
}

export function nodesCsv(runs: readonly RunResult[]): string {
  return file(
    [...RUN_COLUMNS, ...NODE_FIELDS],
    runs.flatMap((run) =>
      run.nodes.map((s) => [
        ...runCells(run),
        s.t,
        s.node,
        s.alive,
        s.isolated,
        s.viewVersion,
        s.members.join(' '),
        s.actors,
        s.sessions,
      ]),
    ),
  );
}

export function checksCsv(runs: readonly RunResult[]): string {
  return file(
    [...RUN_COLUMNS, 'check', 'ok', 'figures'],
    runs.flatMap((run) =>
      Object.entries(run.checks).map(([name, check]) => [
        ...runCells(run),
        name,
        check.ok,
        jsonText(figuresOf(check), 0),
      ]),
    ),
  );
}
