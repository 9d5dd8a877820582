/**
 * A node's `/metrics`, read for a benchmark report: store calls by method
 * (count, mean latency) between two scrapes, and a few runtime gauges. Only
 * what `actors/edge/metrics.ts` exports is read; a missing series reads 0.
 */
const SCRAPE_TIMEOUT_MS = 10_000;

export interface Scrape {
  readonly values: Map<string, number>;
}

export async function scrape(httpUrl: string): Promise<Scrape> {
  const res = await fetch(`${httpUrl}/metrics`, { signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS) });
  const text = await res.text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return { values };
}

export interface StoreCalls {
  readonly [method: string]: { readonly count: number; readonly meanMs: number };
}

/** Store calls made between `before` and `after`, by method (outcome `ok`). */
export function storeCalls(before: Scrape, after: Scrape): StoreCalls {
  const out: Record<string, { count: number; meanMs: number }> = {};
  for (const [key, value] of after.values) {
    const m = key.match(/^parley_store_latency_seconds_count\{(.*)\}$/);
    if (!m) continue;
    const method = m[1]!.match(/method="([^"]+)"/)?.[1];
    const outcome = m[1]!.match(/outcome="([^"]+)"/)?.[1];
    if (method === undefined || outcome !== 'ok') continue;
    const sumKey = key.replace('_count{', '_sum{');
    const count = value - (before.values.get(key) ?? 0);
    const sum = (after.values.get(sumKey) ?? 0) - (before.values.get(sumKey) ?? 0);
    if (count > 0) out[method] = { count, meanMs: Math.round((sum / count) * 1e6) / 1e3 };
  }
  return out;
}

/** One gauge or counter by its exact series name (with labels, if any). */
export function series(s: Scrape, name: string): number {
  return s.values.get(name) ?? 0;
}
