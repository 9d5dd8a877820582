/**
 * writeReport: the five files are written, and what they hold parses back:
 * results.json is the runs themselves, each CSV has its header and one row
 * per bucket / sample / check of every run, fields with commas, quotes and
 * newlines survive the round trip, and an empty list of runs is refused
 * before anything is written.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ParleyError } from '../../runtime/index.ts';
import { NODE_FIELDS, SERIES_FIELDS } from './csv.ts';
import { fixtureRun } from './fixture.ts';
import { REPORT_FILES, writeReport } from './write.ts';

/** RFC 4180 rows (quoted fields with doubled quotes and newlines inside quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    row.push(field);
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') quoted = !quoted;
    else if (quoted) field += c;
    else if (c === ',') endField();
    else if (c === '\n') {
      endField();
      rows.push(row);
      row = [];
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    endField();
    rows.push(row);
  }
  return rows;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-report-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeReport', () => {
  const tricky = 'partition, "heal"\nsecond line';
  const runs = [
    fixtureRun({ params: { 'network.dropRate': 0, 'users.count': 300 } }),
    fixtureRun({ seed: 7, scenario: tricky, failing: true, nodeSampleMs: 500 }),
  ];

  it('writes results.json, the three CSV files and report.html, and returns their absolute paths', async () => {
    const out = join(dir, 'nested', 'out');
    const { files } = await writeReport(out, runs);
    expect(files).toEqual(REPORT_FILES.map((name) => join(out, name)));
    for (const file of files) expect(existsSync(file)).toBe(true);
    expect(JSON.parse(await readFile(join(out, 'results.json'), 'utf8'))).toEqual(runs);
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(runs[0]?.trace);
  });

  it('writes one series row per run per bucket with every SeriesPoint field, empty where undefined', async () => {
    await writeReport(dir, [...runs, fixtureRun({ seed: 3, sends: false })]);
    const rows = parseCsv(await readFile(join(dir, 'series.csv'), 'utf8'));
    expect(rows[0]).toEqual(['scenario', 'seed', 'params', ...SERIES_FIELDS]);
    expect(rows.length - 1).toBe(60 * 3);
    const first = rows[1] ?? [];
    expect(first.slice(0, 4)).toEqual([
      'partition-heal',
      '42',
      'network.dropRate=0;users.count=300',
      '0',
    ]);
    expect(Number(first[3 + SERIES_FIELDS.indexOf('sends')])).toBe(runs[0]?.series[0]?.sends);
    // The run with no sends has no latency or availability: empty fields, not "undefined".
    const quiet = rows.filter((r) => r[1] === '3');
    expect(quiet).toHaveLength(60);
    expect(quiet[0]?.slice(3 + SERIES_FIELDS.indexOf('sentP50Ms'))).toEqual([
      '',
      '',
      '',
      '',
      '',
      '400',
    ]);
    // The scenario name with a comma, quotes and a newline comes back whole.
    expect(rows.filter((r) => r[0] === tricky)).toHaveLength(60);
  });

  it('writes one nodes row per sample and one checks row per check, figures as JSON', async () => {
    await writeReport(dir, runs);
    const nodes = parseCsv(await readFile(join(dir, 'nodes.csv'), 'utf8'));
    expect(nodes[0]).toEqual(['scenario', 'seed', 'params', ...NODE_FIELDS]);
    expect(nodes.length - 1).toBe(runs[0]!.nodes.length + runs[1]!.nodes.length);
    expect(runs[0]!.nodes.length).toBe(3 * 240);
    expect(nodes[1]?.slice(3)).toEqual([
      '0',
      'n1',
      'true',
      'false',
      '3',
      'n1@1 n2@1 n3@1',
      expect.any(String),
      '133',
    ]);
    const checks = parseCsv(await readFile(join(dir, 'checks.csv'), 'utf8'));
    expect(checks[0]).toEqual(['scenario', 'seed', 'params', 'check', 'ok', 'figures']);
    expect(checks.length - 1).toBe(
      Object.keys(runs[0]!.checks).length + Object.keys(runs[1]!.checks).length,
    );
    const lost = checks.find((r) => r[1] === '7' && r[3] === 'lost');
    expect(lost?.[4]).toBe('false');
    const acked = runs[1]!.checks.lost?.acked as number;
    expect(JSON.parse(lost?.[5] ?? '')).toEqual({
      acked,
      required: acked * 2,
      missing: 1,
      examples: [{ from: 'u1', id: 'm3', user: 'u4', device: 'd1', sentT: 10_412 }],
    });
  });

  it('refuses an empty list of runs with invalid_argument, writing nothing', async () => {
    const out = join(dir, 'never');
    const error = await writeReport(out, []).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(ParleyError);
    expect((error as ParleyError).code).toBe('invalid_argument');
    expect((error as ParleyError).message).toBe(
      `writeReport: runs is empty ([]) for ${JSON.stringify(out)}; a report needs at least one RunResult`,
    );
    expect(existsSync(out)).toBe(false);
  });
});
