/**
 * A probe: an actor that records what it receives (messages, downs, trapped
 * exits) for tests to inspect.
 */
import type { Down, ExitMessage } from '../behavior.ts';
import type { Ref } from '../ref.ts';
import type { ActorSystem } from '../system.ts';

export interface Probe<M> {
  readonly ref: Ref<M>;
  readonly messages: M[];
  readonly downs: Down[];
  readonly exits: ExitMessage[];
}

export function probe<M = unknown>(
  system: ActorSystem,
  options: { trapExit?: boolean; name?: string } = {},
): Probe<M> {
  const messages: M[] = [];
  const downs: Down[] = [];
  const exits: ExitMessage[] = [];
  const ref = system.spawn<M, undefined>(
    {
      name: 'probe',
      receive(_s, msg) {
        messages.push(msg);
        return undefined;
      },
      down(_s, down) {
        downs.push(down);
        return undefined;
      },
      exit(_s, exit) {
        exits.push(exit);
        return undefined;
      },
    },
    {
      trapExit: options.trapExit ?? false,
      ...(options.name !== undefined ? { name: options.name } : {}),
    },
  );
  return { ref, messages, downs, exits };
}
