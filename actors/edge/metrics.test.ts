import pino from 'pino';
import { describe, expect, test } from 'vitest';
import { ActorSystem, ErrorCode, ParleyError } from '../../runtime/index.ts';
import { instrumentStore, Metrics } from './metrics.ts';
import { mediaOnlyStore } from './testing.ts';

function setup() {
  const system = new ActorSystem({ logger: pino({ level: 'silent' }) });
  let nowMs = 0;
  const metrics = new Metrics({ system, monotonicMs: () => nowMs });
  return { system, metrics, tick: (ms: number) => (nowMs += ms) };
}

describe('metrics', () => {
  test('instrumentStore exposes the commits of a store that counts them, read at scrape time', async () => {
    const { metrics } = setup();
    let commits = 3;
    const counting = Object.defineProperty(mediaOnlyStore(), 'commits', { get: () => commits });
    instrumentStore(counting, metrics);
    expect(await metrics.text()).toContain('parley_store_commits_total 3');
    commits = 10;
    expect(await metrics.text()).toContain('parley_store_commits_total 10');
    const { metrics: plain } = setup();
    instrumentStore(mediaOnlyStore(), plain);
    expect(await plain.text()).not.toContain('store_commits_total');
  });

  test('instrumentStore times every call by method and outcome and passes results through', async () => {
    const { metrics, tick } = setup();
    const inner = mediaOnlyStore();
    const store = instrumentStore(
      {
        ...inner,
        async putMedia(meta) {
          tick(3);
          return inner.putMedia(meta);
        },
        inboxHead: () => Promise.reject(new ParleyError(ErrorCode.Unavailable, 'down')),
      },
      metrics,
    );
    await store.putMedia({ id: 'm', owner: 'a', mime: 'x/y', size: 1, ts: 0 });
    expect(await store.getMedia('m')).toMatchObject({ id: 'm' });
    await expect(store.inboxHead('a')).rejects.toThrow('down');
    await expect(store.readInbox('a', 0, 1)).rejects.toThrow('not used by the edge');
    const text = await metrics.text();
    expect(text).toContain(
      'parley_store_latency_seconds_bucket{le="0.005",method="putMedia",outcome="ok"} 1',
    );
    expect(text).toContain(
      'parley_store_latency_seconds_bucket{le="0.0025",method="putMedia",outcome="ok"} 0',
    );
    expect(text).toContain('parley_store_latency_seconds_count{method="getMedia",outcome="ok"} 1');
    expect(text).toContain(
      'parley_store_latency_seconds_count{method="inboxHead",outcome="unavailable"} 1',
    );
    expect(text).toContain(
      'parley_store_latency_seconds_count{method="readInbox",outcome="error"} 1',
    );
  });

  test('reads actors, mailbox depth and dead letters from the system at scrape time', async () => {
    const { system, metrics } = setup();
    const blocked = new Promise<void>(() => {});
    const ref = system.spawn({ receive: () => blocked.then(() => undefined) });
    for (let i = 0; i < 4; i++) system.send(ref, i);
    await new Promise((resolve) => setImmediate(resolve));
    system.deadLetters.record('<x>', 'm', 'dead', 2);
    const text = await metrics.text();
    expect(text).toContain('parley_actors 1');
    expect(text).toContain('parley_mailbox_depth_max 3');
    expect(text).toContain('parley_mailbox_depth_sum 3');
    expect(text).toContain('parley_dead_letters_total{reason="dead"} 2');
    await system.shutdown();
  });

  test('counts edge frames, messages and errors', async () => {
    const { metrics } = setup();
    metrics.frameIn();
    metrics.frameOut(3);
    metrics.messageIn();
    metrics.messageOut(2);
    metrics.error('bad_frame');
    const text = await metrics.text();
    for (const line of [
      'parley_frames_in_total 1',
      'parley_frames_out_total 3',
      'parley_messages_in_total 1',
      'parley_messages_out_total 2',
      'parley_errors_total{code="bad_frame"} 1',
    ])
      expect(text).toContain(line);
  });
});
