/**
 * Protocol v1.1 requests the user actor answers from the store: the chat
 * list (`conversations`) and a group's details (`group.info`).
 *
 * - `conversations`: one read of the user's chat list (the store keeps it
 *   with every append, `Store.conversations`), plus the names of the groups
 *   on the page from their metadata (the current name: a renamed group shows
 *   its new name). The cursor is the decimal inbox `seq` of the last item's
 *   `last` message: the next page holds the conversations whose last message
 *   is older. `last` is the `message` frame this user got (its own inbox
 *   `seq`; for a group also `gseq`); `readUpTo` is on the same inbox `seq`.
 * - `group.info`: the stored group metadata (the group actor saves it before
 *   it answers any change), for members only: `forbidden` for a non-member
 *   (also a former member), `not_found` for a group that does not exist.
 * Every reply and error echoes the request's `ref`.
 */
import type { ActorContext, Ref } from '../../runtime/index.ts';
import type { ConversationSummary, Store } from '../../store/index.ts';
import type {
  ConversationItem,
  ConversationsRequestFrame,
  GroupInfoFrame,
} from '../protocol/index.ts';
import { errorJson, json, messageFrame } from './frames-out.ts';
import type { EdgeMsg, UserMsg } from './messages.ts';

/** A chat list cursor: the decimal inbox seq `conversations` returned as `next`. */
const CURSOR = /^[1-9][0-9]{0,15}$/;

export async function answerConversations(
  store: Store,
  user: string,
  edge: Ref<EdgeMsg>,
  frame: ConversationsRequestFrame,
  ctx: ActorContext<UserMsg>,
): Promise<void> {
  const ref = frame.ref;
  let before: number | null = null;
  if (frame.before !== undefined) {
    if (!CURSOR.test(frame.before)) {
      ctx.send(edge, {
        t: 'push',
        json: errorJson(
          'bad_frame',
          `field "before" must be a cursor from a previous conversations page, got ${JSON.stringify(frame.before)}`,
          { ref },
        ),
      });
      return;
    }
    before = Number(frame.before);
  }
  const page = await store.conversations(user, before, frame.limit);
  const names = await groupNames(store, page.items);
  ctx.send(edge, {
    t: 'push',
    json: json({
      type: 'conversations',
      ref,
      items: page.items.map((item) => toItem(item, names)),
      next: page.nextBeforeSeq === null ? null : String(page.nextBeforeSeq),
    }),
  });
}

/** The current name of every group on the page (its id when the metadata is gone). */
async function groupNames(
  store: Store,
  items: readonly ConversationSummary[],
): Promise<Map<string, string>> {
  const groups = [
    ...new Set(items.filter((i) => i.last.group !== undefined).map((i) => i.last.group!)),
  ];
  const metas = await Promise.all(groups.map((g) => store.getGroup(g)));
  return new Map(groups.map((g, i) => [g, metas[i]?.name ?? g]));
}

function toItem(item: ConversationSummary, names: ReadonlyMap<string, string>): ConversationItem {
  const common = {
    last: messageFrame(item.last),
    unread: item.unread,
    readUpTo: item.readUpTo,
  };
  const group = item.last.group;
  if (group !== undefined) return { group, name: names.get(group) ?? group, ...common };
  // `u:<peer>`: the other party, also when the last message is the user's own.
  return { with: item.conversation.slice(2), ...common };
}

export async function answerGroupInfo(
  store: Store,
  user: string,
  edge: Ref<EdgeMsg>,
  frame: GroupInfoFrame,
  ctx: ActorContext<UserMsg>,
): Promise<void> {
  const { ref, group } = frame;
  const meta = await store.getGroup(group);
  if (meta === undefined) {
    ctx.send(edge, { t: 'push', json: errorJson('not_found', `no group "${group}"`, { ref }) });
    return;
  }
  if (!meta.members.includes(user)) {
    ctx.send(edge, {
      t: 'push',
      json: errorJson('forbidden', `you are not a member of group "${group}"`, { ref }),
    });
    return;
  }
  ctx.send(edge, {
    t: 'push',
    json: json({
      type: 'group',
      ref,
      id: meta.id,
      name: meta.name,
      members: meta.members,
      admins: meta.admins,
    }),
  });
}
