/** `--name value` flags for benchmarks. */
export function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v))
    throw new Error(`--${name} needs a number, got ${JSON.stringify(args[i + 1])}`);
  return v;
}

/** Every value of a repeated `--name value` flag (also comma-separated), in order. */
export function argStrings(args: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === `--${name}` && args[i + 1] !== undefined) {
      out.push(...args[i + 1]!.split(',').filter((v) => v !== ''));
    }
  }
  return out;
}

export function argString(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? fallback : (args[i + 1] ?? fallback);
}
