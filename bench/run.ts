/**
 * Benchmark runner: `npm run bench -- NAME [args...]` runs `bench/NAME.ts`,
 * whose default export does the work and returns the result line. The last
 * line printed is one JSON object: {"bench","metric","value","unit",...}.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BenchResult {
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  readonly [extra: string]: unknown;
}

const here = dirname(fileURLToPath(import.meta.url));
const [name, ...args] = process.argv.slice(2);
const file = name ? join(here, `${name}.ts`) : '';
if (!name || !existsSync(file) || name === 'run') {
  const names = readdirSync(here)
    .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
    .map((f) => f.slice(0, -3));
  console.error(`usage: npm run bench -- NAME   (NAME one of: ${names.join(', ')})`);
  process.exit(2);
}
const mod = (await import(file)) as { default: (args: string[]) => Promise<BenchResult> };
const result = await mod.default(args);
console.log(JSON.stringify({ bench: name, ...result }));
process.exit(0);
