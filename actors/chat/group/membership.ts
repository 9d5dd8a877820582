/**
 * Creating a group and changing its membership. Up to `GROUP_MEMBERS_MAX`
 * members; the creator is member and admin; admins add and remove others,
 * any member may leave; when the last admin leaves, the longest-standing
 * member becomes admin. Each change is saved at the version it read (a
 * concurrent change is `fenced`), answered to the edge with the `group`
 * frame, and pushed to everyone who was or is a member.
 */
import type { ActorContext, Ref } from '../../../runtime/index.ts';
import type { GroupFrame } from '../../protocol/index.ts';
import { GROUP_MEMBERS_MAX } from '../../protocol/index.ts';
import { errorJson, json } from '../frames-out.ts';
import { type EdgeMsg, type GroupMsg, userKey } from '../messages.ts';
import { flushCursors } from './fanout.ts';
import { type GroupState, newMember } from './state.ts';

type Create = Extract<GroupMsg, { t: 'create' }>;
type Change = Extract<GroupMsg, { t: 'change' }>;

export async function onCreate(
  s: GroupState,
  msg: Create,
  ctx: ActorContext<GroupMsg>,
): Promise<void> {
  if (s.meta !== undefined) {
    refuse(msg.edge, 'forbidden', `group "${s.id}" already exists`, msg.ref, ctx);
    return;
  }
  const members = [...new Set([msg.by, ...msg.members])];
  if (members.length > GROUP_MEMBERS_MAX) {
    const text = `a group has at most ${GROUP_MEMBERS_MAX} members, got ${members.length}`;
    refuse(msg.edge, 'bad_frame', text, msg.ref, ctx);
    return;
  }
  s.meta = await s.env.store.saveGroup(
    {
      id: s.id,
      name: msg.name,
      members,
      admins: [msg.by],
      createdBy: msg.by,
      createdTs: ctx.clock.now(),
    },
    0,
  );
  for (const m of members) s.members.set(m, newMember(s.head));
  await flushCursors(s);
  ctx.send(msg.edge, { t: 'push', json: json(groupFrame(s, msg.ref)) });
  notify(s, members);
}

export async function onChange(
  s: GroupState,
  msg: Change,
  ctx: ActorContext<GroupMsg>,
): Promise<void> {
  const meta = s.meta;
  if (meta === undefined) {
    refuse(msg.edge, 'not_found', `no group "${s.id}"`, msg.ref, ctx);
    return;
  }
  if (!meta.members.includes(msg.by)) {
    refuse(msg.edge, 'forbidden', `you are not a member of group "${s.id}"`, msg.ref, ctx);
    return;
  }
  const next = changed(s, meta.members, meta.admins, msg, ctx);
  if (next === undefined) return;
  const { members } = next;
  const admins = next.admins.length === 0 && members.length > 0 ? [members[0]!] : next.admins;
  const before = new Set(meta.members);
  s.meta = await s.env.store.saveGroup(
    {
      id: s.id,
      name: meta.name,
      members,
      admins,
      createdBy: meta.createdBy,
      createdTs: meta.createdTs,
    },
    meta.version,
  );
  for (const m of members) if (!s.members.has(m)) s.members.set(m, newMember(s.head));
  for (const m of [...s.members.keys()]) if (!members.includes(m)) s.members.delete(m);
  await flushCursors(s);
  ctx.send(msg.edge, { t: 'push', json: json(groupFrame(s, msg.ref)) });
  notify(s, new Set([...before, ...members]));
}

/** The members and admins after `msg`, or undefined when it is refused (answered here). */
function changed(
  s: GroupState,
  members0: readonly string[],
  admins0: readonly string[],
  msg: Change,
  ctx: ActorContext<GroupMsg>,
): { members: string[]; admins: string[] } | undefined {
  if (msg.op === 'group.leave') {
    return {
      members: members0.filter((m) => m !== msg.by),
      admins: admins0.filter((a) => a !== msg.by),
    };
  }
  if (!admins0.includes(msg.by)) {
    const verb = msg.op === 'group.add' ? 'add' : 'remove';
    const text = `only an admin of group "${s.id}" can ${verb} members`;
    refuse(msg.edge, 'forbidden', text, msg.ref, ctx);
    return undefined;
  }
  if (msg.op === 'group.add') {
    const members = [...new Set([...members0, ...msg.members])];
    if (members.length > GROUP_MEMBERS_MAX) {
      const text = `a group has at most ${GROUP_MEMBERS_MAX} members; this would make ${members.length}`;
      refuse(msg.edge, 'bad_frame', text, msg.ref, ctx);
      return undefined;
    }
    return { members, admins: [...admins0] };
  }
  const gone = new Set(msg.members);
  return {
    members: members0.filter((m) => !gone.has(m)),
    admins: admins0.filter((a) => !gone.has(a)),
  };
}

/** The `group` frame of the group as it is now (`ref` on a reply). */
export function groupFrame(s: GroupState, ref?: string): GroupFrame {
  const meta = s.meta!;
  return {
    type: 'group',
    ...(ref !== undefined ? { ref } : {}),
    id: s.id,
    name: meta.name,
    members: meta.members,
    admins: meta.admins,
  };
}

function notify(s: GroupState, users: Iterable<string>): void {
  const frame = groupFrame(s);
  for (const u of users) s.env.directory.send(userKey(u), { t: 'group_changed', frame });
}

export function refuse(
  edge: Ref<EdgeMsg>,
  code: 'forbidden' | 'not_found' | 'bad_frame',
  message: string,
  ref: string,
  ctx: ActorContext<GroupMsg>,
): void {
  ctx.send(edge, { t: 'push', json: errorJson(code, message, { ref }) });
}
