/**
 * A scenario as a YAML file, for the shrinker's minimal failing scenarios
 * and for sweeps written out. Guarantee: `parseScenario(scenarioToYaml(s))`
 * equals `s` for every valid `s` (tested over generated scenarios and every
 * shipped file). Distributions and lists of scalars are written inline
 * (`latencyMs: { dist: lognormal, median: 1, sigma: 0.5 }`), the rest in
 * block style; `comment` becomes `#` lines at the top.
 */
import { Document, isScalar, visit } from 'yaml';
import type { Scenario } from '../types.ts';
import { scenarioToRaw } from './raw.ts';

export function scenarioToYaml(s: Scenario, comment?: string): string {
  const doc = new Document(scenarioToRaw(s));
  visit(doc, {
    Map(_, node) {
      if (node.has('dist')) node.flow = true;
    },
    Seq(_, node) {
      if (node.items.every((i) => isScalar(i))) node.flow = true;
    },
  });
  const text = doc.toString({ lineWidth: 0 });
  if (comment === undefined || comment === '') return text;
  const lines = comment.split(/\r\n|\r|\n/).map((line) => (line === '' ? '#' : `# ${line}`));
  return `${lines.join('\n')}\n\n${text}`;
}
