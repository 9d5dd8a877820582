/**
 * Epochs for fencing. The epoch of `user:<u>` is the static `epoch` of the
 * user's `user_log` partition and that of `group:<g>` the static `epoch` of
 * the group's `group_log` partition, so every append can be conditioned on it
 * in the same batch. Any other owner name keeps its epoch in `epochs`.
 *
 * acquireEpoch is an LWT: `IF epoch = null` (first, also setting the heads to
 * 0) or `IF epoch = <seen>`, writing seen+1. Strictly increasing per owner.
 * An attempt with an unknown outcome is not chased: the loop takes the next
 * epoch from whatever it then reads, which is greater than every epoch taken
 * before, so at worst an epoch number is skipped (epochs need not be gapless).
 */
import { quote } from '../../runtime/index.ts';
import { invalidArgument } from '../errors.ts';
import { checkId } from '../validate.ts';
import { runCas } from './cas.ts';
import type { Ctx } from './context.ts';
import { num } from './rows.ts';

interface EpochTarget {
  /** The partition-lock key of the epoch's partition. */
  readonly lockKey: string;
  readonly key: string;
  readonly read: string;
  readonly init: string;
  readonly bump: string;
  /** Params of `init` for the first epoch. */
  readonly initParams: (epoch: bigint) => unknown[];
}

function target(ctx: Ctx, owner: string): EpochTarget {
  const { st } = ctx;
  const split = owner.indexOf(':');
  const prefix = split > 0 ? owner.slice(0, split) : '';
  const key = owner.slice(split + 1);
  if ((prefix === 'user' || prefix === 'group') && key === '')
    throw invalidArgument('owner', owner, `needs an id after "${prefix}:"`);
  if (prefix === 'user')
    return {
      lockKey: `u:${key}`,
      key,
      read: st.userState,
      init: st.userEpochInit,
      bump: st.userEpochBump,
      initParams: (e) => [e, key],
    };
  if (prefix === 'group')
    return {
      lockKey: `g:${key}`,
      key,
      read: st.groupState,
      init: st.groupEpochInit,
      bump: st.groupEpochBump,
      initParams: (e) => [e, key],
    };
  return {
    lockKey: `o:${owner}`,
    key: owner,
    read: st.ownerEpoch,
    init: st.ownerEpochInit,
    bump: st.ownerEpochBump,
    initParams: (e) => [owner, e],
  };
}

export async function acquireEpoch(ctx: Ctx, owner: string): Promise<number> {
  checkId('owner', owner);
  const t = target(ctx, owner);
  return ctx.lock.run(t.lockKey, () =>
    runCas<number | null, number>(
      {
        what: `acquireEpoch(${quote(owner)})`,
        async observe(serial) {
          const row = await ctx.exec.first(t.read, [t.key], serial);
          const epoch = row?.get('epoch');
          return epoch === null || epoch === undefined ? null : num(epoch);
        },
        landed: () => undefined,
        decide(current) {
          const next = (current ?? 0) + 1;
          const write =
            current === null
              ? () => ctx.exec.cas(t.init, t.initParams(BigInt(next)))
              : () => ctx.exec.cas(t.bump, [BigInt(next), t.key, BigInt(current)]);
          return { attempt: { wid: '', result: next, write } };
        },
      },
      ctx.clock,
    ),
  );
}
