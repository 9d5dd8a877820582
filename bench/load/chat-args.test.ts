import { describe, expect, test } from 'vitest';
import { ChatArgError, clusterProfilePath, DEFAULT_RATES, parseChatArgs } from './chat-args.ts';

const fails = (args: string[], message: string) => {
  expect(() => parseChatArgs(args)).toThrow(ChatArgError);
  expect(() => parseChatArgs(args)).toThrow(message);
};

describe('parseChatArgs', () => {
  test('defaults to one node of ours with the documented settings', () => {
    expect(parseChatArgs([])).toEqual({
      users: 4000,
      rates: [...DEFAULT_RATES],
      durationS: 8,
      warmupS: 2,
      p99BoundMs: 100,
      finalS: 10,
      at10k: true,
      cpuProf: undefined,
      encoding: 'json',
      mode: { kind: 'one-node' },
    });
    expect(parseChatArgs(['--encoding', 'msgpack']).encoding).toBe('msgpack');
  });

  test('takes --url repeated and comma-separated, in order, with --secret and --pids', () => {
    const a = parseChatArgs([
      '--url',
      'ws://a:1/ws',
      '--url',
      'ws://b:2/ws,ws://c:3/ws',
      '--secret',
      'S',
      '--pids',
      '11,12',
      '--pids',
      '13',
    ]);
    expect(a.mode).toEqual({
      kind: 'urls',
      urls: ['ws://a:1/ws', 'ws://b:2/ws', 'ws://c:3/ws'],
      secret: 'S',
      pids: [11, 12, 13],
    });
  });

  test('--url without --secret names what is missing', () => {
    fails(
      ['--url', 'ws://a:1/ws'],
      '--url needs --secret: the JWT secret of the cluster (npm run cluster prints it)',
    );
  });

  test('--cluster N measures one node then N nodes; cluster users and rates default to the common ones', () => {
    const a = parseChatArgs(['--cluster', '3', '--users', '200', '--rates', '50,100']);
    expect(a.mode).toEqual({
      kind: 'cluster',
      nodes: 3,
      oneNode: true,
      users: 200,
      rates: [50, 100],
      logs: undefined,
    });
    expect(a.rates).toEqual([50, 100]);
  });

  test('--one-node skip, --at10k skip, --cluster-users, --cluster-rates, --cluster-logs and --cpu-prof are read', () => {
    const a = parseChatArgs([
      '--cluster',
      '3',
      '--one-node',
      'skip',
      '--at10k',
      'skip',
      '--cluster-users',
      '60',
      '--cluster-rates',
      '10,20',
      '--cpu-prof',
      '/tmp/p.cpuprofile',
      '--cluster-logs',
      '/tmp/l',
    ]);
    expect(a.at10k).toBe(false);
    expect(a.cpuProf).toBe('/tmp/p.cpuprofile');
    expect(a.mode).toEqual({
      kind: 'cluster',
      nodes: 3,
      oneNode: false,
      users: 60,
      rates: [10, 20],
      logs: '/tmp/l',
    });
  });

  test('rejects bad values, quoting them', () => {
    fails(['--cluster', '1'], '--cluster needs an integer 2..16, got "1"');
    fails(
      ['--cluster', '3', '--url', 'ws://a:1/ws'],
      '--cluster starts its own nodes: it cannot be combined with --url',
    );
    fails(['--one-node', 'skip'], '--one-node needs --cluster N');
    fails(['--cluster-logs', '/tmp/l'], '--cluster-logs needs --cluster N');
    fails(['--at10k', 'no'], '--at10k is run or skip, got "no"');
    fails(['--encoding', 'cbor'], '--encoding is json or msgpack, got "cbor"');
    fails(['--users', '201'], '--users needs an even integer (users are paired), got 201');
    fails(['--rates', '100,50'], '--rates needs ascending positive numbers, got "100,50"');
    fails(['--duration', 'x'], '--duration needs a positive number, got "x"');
    fails(['--users'], '--users needs a value, got undefined');
    fails(
      ['--url', 'http://a/ws', '--secret', 'S'],
      '--url needs ws://HOST:PORT/ws, got "http://a/ws"',
    );
    fails(
      ['--url', 'ws://a:1/ws', '--secret', 'S', '--cpu-prof', 'f'],
      '--cpu-prof needs a node this benchmark started: not with --url',
    );
  });
});

describe('clusterProfilePath', () => {
  test('puts the node before the extension, or after a name without one', () => {
    expect(clusterProfilePath('/tmp/x.cpuprofile', 'node-1')).toBe('/tmp/x.node-1.cpuprofile');
    expect(clusterProfilePath('/tmp.d/x', 'node-1')).toBe('/tmp.d/x.node-1');
  });
});
