/** What a live actor shows to inspection (supervision trees, `parleyctl`, tests): read from the cell's public fields only. */

export interface CellInfo {
  readonly ref: string;
  readonly name: string | null;
  readonly behavior: string;
  /** User messages waiting. */
  readonly depth: number;
  readonly trapExit: boolean;
}

/** The parts of a cell its description reads. */
interface Described {
  readonly ref: unknown;
  readonly name: string | null;
  readonly behavior: { readonly name?: string };
  readonly depth: number;
  readonly trapsExit: boolean;
}

export function describeCell(cell: Described): CellInfo {
  return {
    ref: String(cell.ref),
    name: cell.name,
    behavior: cell.behavior.name ?? 'anonymous',
    depth: cell.depth,
    trapExit: cell.trapsExit,
  };
}
