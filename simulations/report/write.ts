/**
 * Writes a simulation's report into a folder (`--out DIR`): `results.json`
 * (the whole `RunResult[]`, pretty-printed), `series.csv`, `nodes.csv`,
 * `checks.csv` (`csv.ts`) and `report.html` (`html.ts`). The folder is
 * created when missing; files of the same names are replaced.
 *
 * Guarantees: every file is written whole before the promise resolves, and
 * the returned paths are absolute, in the order above. Throws
 * `invalid_argument` for an empty list of runs (before writing anything).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ErrorCode, ParleyError } from '../../runtime/index.ts';
import type { RunResult } from '../types.ts';
import { checksCsv, nodesCsv, seriesCsv } from './csv.ts';
import { jsonText } from './figures.ts';
import { type HtmlOptions, renderHtml } from './html.ts';

export const REPORT_FILES = [
  'results.json',
  'series.csv',
  'nodes.csv',
  'checks.csv',
  'report.html',
] as const;

export async function writeReport(
  dir: string,
  runs: readonly RunResult[],
  options: HtmlOptions = {},
): Promise<{ files: string[] }> {
  if (runs.length === 0)
    throw new ParleyError(
      ErrorCode.InvalidArgument,
      `writeReport: runs is empty ([]) for ${JSON.stringify(dir)}; a report needs at least one RunResult`,
    );
  const contents: Record<(typeof REPORT_FILES)[number], string> = {
    'results.json': `${jsonText(runs)}\n`,
    'series.csv': seriesCsv(runs),
    'nodes.csv': nodesCsv(runs),
    'checks.csv': checksCsv(runs),
    'report.html': renderHtml(runs, options),
  };
  const root = resolve(dir);
  await mkdir(root, { recursive: true });
  const files = REPORT_FILES.map((name) => join(root, name));
  await Promise.all(REPORT_FILES.map((name, i) => writeFile(files[i] ?? '', contents[name])));
  return { files };
}
