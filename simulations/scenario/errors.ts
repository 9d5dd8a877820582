/**
 * What is wrong with a scenario: every problem found (not only the first),
 * each with the exact field path (`faults[1].node`, `network.latencyMs.median`,
 * `sweeps["users.count"][0]`) and what was expected. A `ScenarioError`
 * carries them all; its message is one line per problem, each prefixed with
 * the scenario's source (its file name) so a researcher can jump to it.
 */
import { ErrorCode, ParleyError } from '../../runtime/index.ts';

export interface Problem {
  /** Field path in the YAML's terms (`faults[0].at`); '' for the whole document. */
  readonly path: string;
  /** What was expected and what was found. */
  readonly message: string;
  /** True for "no such field" problems (sweeps turn them into "no such path"). */
  readonly unknownField?: boolean;
  /** For an unknown field: the known one its name is close to. */
  readonly suggestion?: string;
}

export class ScenarioError extends ParleyError {
  override readonly name = 'ScenarioError';
  readonly source: string;
  readonly problems: readonly Problem[];

  constructor(source: string, problems: readonly Problem[], options?: { cause?: unknown }) {
    super(ErrorCode.InvalidArgument, formatProblems(source, problems), options);
    this.source = source;
    this.problems = problems;
  }
}

/** `source: path: message`, one line per problem. */
export function formatProblems(source: string, problems: readonly Problem[]): string {
  return problems
    .map((p) => (p.path === '' ? `${source}: ${p.message}` : `${source}: ${p.path}: ${p.message}`))
    .join('\n');
}
