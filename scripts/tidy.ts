/**
 * tidy: the rules that prose alone lets drift, checked in CI.
 *
 * 1. Layers: imports point down `DESIGN.md`'s layers
 *    (simulations > actors > cluster > store > runtime > protos). `client/` and
 *    `web/` stand beside the server and import nothing of it but `runtime/errors`
 *    shapes they re-declare; `bench/`, `tests/`, `bin/`, `scripts/` may import anything.
 * 2. Outside a folder, import only its `index.ts` (files under `testing/` and
 *    `internal/` count as private unless the importer is in the same top folder;
 *    `runtime/testing/index.ts` is public for tests).
 * 3. No hidden time or randomness in simulated code (runtime/, store/, cluster/,
 *    actors/, client/, simulations/; not tests): no `Date.now(`, `new Date()`,
 *    `performance.now(`, `process.hrtime`, `setTimeout(`, `setInterval(`,
 *    `setImmediate(`, `queueMicrotask(`, `Math.random(`, `crypto.randomUUID` /
 *    `randomUUID(`, except in the modules that adapt the host: the runtime's
 *    clock, random and scheduler, the deterministic test kit, the SDK's host
 *    environment and its emitter's error report, and the simulator's one
 *    wall-clock reader (speed reports).
 *    Comment lines are not code.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const rank: Record<string, number> = {
  protos: 0,
  runtime: 1,
  store: 2,
  cluster: 3,
  actors: 4,
  simulations: 5,
};
const free = new Set(['bench', 'tests', 'bin', 'scripts']);
const timeBanned = new Set(['runtime', 'store', 'cluster', 'actors', 'client', 'simulations']);
/** Files allowed to touch the real clock, timers and randomness. */
const timeAllowed = new Set([
  'runtime/clock.ts',
  'runtime/random.ts',
  'runtime/scheduler.ts',
  'runtime/testing/deterministic.ts',
  'client/environment.ts',
  // Rethrows a listener's exception in a microtask, as EventTarget reports one: no time or order depends on it.
  'client/emitter.ts',
  'simulations/cli/wall-clock.ts',
]);
const banned =
  /\b(Date\.now\s*\(|new\s+Date\s*\(\s*\)|performance\.now\s*\(|process\.hrtime\b|setTimeout\s*\(|setInterval\s*\(|setImmediate\s*\(|queueMicrotask\s*\(|Math\.random\s*\(|crypto\.randomUUID\b|randomUUID\s*\()/;
const isCommentLine = (line: string) => /^\s*(\*|\/\*|\/\/)/.test(line);

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry.startsWith('.') || entry === 'data') continue;
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) yield* walk(full);
    else if (/\.(ts|mts)$/.test(entry)) yield full;
  }
}

const problems: string[] = [];
const top = (p: string) => p.split('/')[0] ?? '';

for (const file of walk(root)) {
  const rel = relative(root, file);
  const from = top(rel);
  const isTest = /\.test\.ts$/.test(rel);
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const where = `${rel}:${i + 1}`;
    if (timeBanned.has(from) && !timeAllowed.has(rel) && !isTest && banned.test(line)) {
      const code = line.replace(/\/\/.*$/, '');
      const what = isCommentLine(line) ? undefined : code.match(banned)?.[1];
      if (what !== undefined)
        problems.push(
          `${where}: direct ${what.replace(/\s*\($/, '').replace(/\s+/g, ' ')} in simulated code; use the injected Clock/Random/scheduler (or runtime/clock.ts, runtime/random.ts)`,
        );
    }
    const m =
      line.match(/^\s*(?:import|export)\b[^'"]*from\s+['"](\.[^'"]+)['"]/) ??
      line.match(/^\s*import\s+['"](\.[^'"]+)['"]/);
    if (!m) return;
    const target = relative(root, resolve(dirname(file), m[1]!));
    const to = top(target);
    if (to === from || free.has(from)) return;
    if (from === 'client' || from === 'web') {
      problems.push(`${where}: ${from}/ may not import ${target}; it ships to clients on its own`);
      return;
    }
    if (rank[from] !== undefined && rank[to] !== undefined && rank[to]! > rank[from]!) {
      problems.push(`${where}: ${from}/ imports ${target}, a layer above it (imports point down)`);
    }
    if (to === 'bench' || to === 'tests' || to === 'scripts' || to === 'bin') {
      problems.push(`${where}: ${from}/ imports ${target}; nothing may depend on ${to}/`);
    }
    const inner = target.slice(to.length + 1);
    const isPublic =
      inner === 'index.ts' ||
      /^[^/]+\/index\.ts$/.test(inner) ||
      (isTest && /^testing\//.test(inner)) ||
      inner === 'testing/index.ts';
    if (!isPublic && !isTest) {
      problems.push(
        `${where}: imports ${target} from outside ${to}/; import ${to}/index.ts (or a sub-folder's index.ts)`,
      );
    }
  });
}

if (problems.length > 0) {
  console.error(`tidy: ${problems.length} problem(s)\n${problems.join('\n')}`);
  process.exit(1);
}
console.log('tidy: ok');
