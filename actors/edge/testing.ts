/**
 * Test doubles for the edge: an in-memory media store (the rest of `Store`
 * refuses), an in-memory blob store, and a directory that records what it
 * was sent. For tests only; not exported by `index.ts`.
 */
import type { Ref } from '../../runtime/index.ts';
import type { BlobStore, MediaMeta, Store } from '../../store/index.ts';
import type { Directory } from '../virtual/index.ts';

export class RecordingDirectory implements Directory {
  readonly sent: { key: string; msg: { t: string } & Record<string, unknown> }[] = [];
  send(key: string, msg: unknown): void {
    this.sent.push({ key, msg: msg as { t: string } & Record<string, unknown> });
  }
  sendMany(keys: readonly string[], msg: unknown): void {
    for (const key of keys) this.send(key, msg);
  }
  ask<R>(_key: string, _make: (replyTo: Ref<R>) => unknown): Promise<R> {
    return Promise.reject(new Error('RecordingDirectory does not answer asks'));
  }
  owner(): string {
    return 'local';
  }
  kinds(): string[] {
    return this.sent.map((s) => s.msg.t);
  }
}

export class MemoryBlobs implements BlobStore {
  readonly blobs = new Map<string, Uint8Array>();
  async put(id: string, bytes: Uint8Array): Promise<void> {
    this.blobs.set(id, bytes);
  }
  async get(id: string): Promise<Uint8Array | undefined> {
    return this.blobs.get(id);
  }
}

/** A `Store` that keeps media metadata and refuses everything else. */
export function mediaOnlyStore(): Store & { readonly media: Map<string, MediaMeta> } {
  const media = new Map<string, MediaMeta>();
  const refuse = () => Promise.reject(new Error('not used by the edge'));
  return {
    media,
    acquireEpoch: refuse,
    appendInbox: refuse,
    readInbox: refuse,
    inboxHead: refuse,
    findByKey: refuse,
    listPending: refuse,
    clearPending: refuse,
    advanceCursor: refuse,
    cursors: refuse,
    recordReceipts: refuse,
    readReceipts: refuse,
    receiptStatus: refuse,
    history: refuse,
    conversations: refuse,
    markRead: refuse,
    getGroup: refuse,
    saveGroup: refuse,
    appendGroupLog: refuse,
    readGroupLog: refuse,
    groupHistory: refuse,
    markWake: refuse,
    clearWake: refuse,
    listWake: refuse,
    async putMedia(meta) {
      media.set(meta.id, meta);
    },
    async getMedia(id) {
      return media.get(id);
    },
    putPushSubscription: refuse,
    listPushSubscriptions: refuse,
    deletePushSubscription: refuse,
    async close() {},
  };
}
