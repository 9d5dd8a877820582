/**
 * The recipient devices of a message (identity and definitions in `facts.ts`):
 * for `to: user:B`, every device of B plus every device of the sender other
 * than the sending device (own copies, PROTOCOL guarantee 9); for
 * `to: group:G`, every device of every member of G (`history.groups`, members
 * at the end of the run) but the sending device. Each distinct `to` is
 * resolved once per History; a `to` that is neither form is a bug of the
 * world that recorded the history and throws `invalid_argument`.
 */
import { ErrorCode, ParleyError, quote } from '../../runtime/index.ts';
import type { DeviceRef, Facts, Message, SendFact } from './facts.ts';

/** What a `to` (`user:ID` or `group:ID`) names; throws on anything else (a bug of the world). */
export function parseTo(to: string): { readonly kind: 'user' | 'group'; readonly id: string } {
  if (to.startsWith('user:')) return { kind: 'user', id: to.slice(5) };
  if (to.startsWith('group:')) return { kind: 'group', id: to.slice(6) };
  throw new ParleyError(
    ErrorCode.InvalidArgument,
    `history: a send's to must be "user:ID" or "group:ID", got ${quote(to)}`,
  );
}

/** What a `to` names, resolved once per distinct `to` string. */
type Target =
  | { readonly kind: 'user'; readonly peer: number | undefined }
  | { readonly kind: 'group'; readonly devices: readonly DeviceRef[] };

const targetsCache = new WeakMap<Facts, Map<string, Target>>();

function targetOf(facts: Facts, to: string): Target {
  let targets = targetsCache.get(facts);
  if (targets === undefined) targetsCache.set(facts, (targets = new Map()));
  let target = targets.get(to);
  if (target === undefined) {
    const parsed = parseTo(to);
    if (parsed.kind === 'user') target = { kind: 'user', peer: facts.userIndex(parsed.id) };
    else {
      const devices: DeviceRef[] = [];
      for (const member of new Set(facts.groupMembers.get(parsed.id) ?? [])) {
        const u = facts.userIndex(member);
        if (u !== undefined) devices.push(...facts.devicesOf[u]!);
      }
      target = { kind: 'group', devices };
    }
    targets.set(to, target);
  }
  return target;
}

/** Calls `fn` for each recipient device of a message that has a send (see the module doc). */
export function forEachRecipient(
  facts: Facts,
  m: Message & { readonly send: SendFact },
  fn: (device: DeviceRef) => void,
): void {
  const sending = m.send.deviceIndex;
  const target = targetOf(facts, m.send.to);
  if (target.kind === 'group') {
    for (const d of target.devices) if (d.index !== sending) fn(d);
    return;
  }
  if (target.peer !== undefined)
    for (const d of facts.devicesOf[target.peer]!) if (d.index !== sending) fn(d);
  if (target.peer !== m.userIndex)
    for (const d of facts.devicesOf[m.userIndex]!) if (d.index !== sending) fn(d);
}

/** The recipient devices of a message that has a send, as a list. */
export function recipientsOf(facts: Facts, m: Message & { readonly send: SendFact }): DeviceRef[] {
  const out: DeviceRef[] = [];
  forEachRecipient(facts, m, (d) => out.push(d));
  return out;
}
