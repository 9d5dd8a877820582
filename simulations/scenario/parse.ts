/**
 * Scenario files: YAML text to a validated `Scenario` with every default
 * filled in (`defaults.ts`), or a `ScenarioError` listing every problem, one
 * per line: YAML syntax errors with their line and column
 * (`x.yaml: YAML syntax error at line 3, column 7: ...`), then field problems with their path
 * (`x.yaml: faults[1].node: expected an integer in 0..2 (topology.nodes is 3), got 5`).
 *
 * The YAML is read with the YAML 1.2 core schema (so `yes` is a string, not
 * true), duplicate keys refused. Sweep paths must name fields of the scenario.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import type { Scenario } from '../types.ts';
import { type Problem, ScenarioError } from './errors.ts';
import { readScenario } from './read.ts';
import { sweepPathProblems } from './sweep.ts';

export function parseScenario(text: string, source: string): Scenario {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    prettyErrors: false,
    uniqueKeys: true,
    schema: 'core',
    lineCounter: lines,
  });
  if (doc.errors.length > 0) {
    const problems: Problem[] = doc.errors.map((e) => {
      const pos = lines.linePos(e.pos[0]);
      const where = pos === undefined ? '' : ` at line ${pos.line}, column ${pos.col}`;
      return { path: '', message: `YAML syntax error${where}: ${e.message}` };
    });
    throw new ScenarioError(source, problems);
  }
  const { scenario, problems } = readScenario(doc.toJS({ maxAliasCount: 100 }), source);
  const all = problems.length > 0 ? problems : sweepPathProblems(scenario);
  if (all.length > 0) throw new ScenarioError(source, all);
  return scenario;
}

export async function loadScenario(path: string): Promise<Scenario> {
  return parseScenario(await readFile(path, 'utf8'), path);
}
