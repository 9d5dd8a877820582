/** `--name value` flags for benchmarks. */
export function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v))
    throw new Error(`--${name} needs a number, got ${JSON.stringify(args[i + 1])}`);
  return v;
}

export function argString(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? fallback : (args[i + 1] ?? fallback);
}
