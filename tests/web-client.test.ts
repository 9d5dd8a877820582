/**
 * The web client (`web/`) end to end, in real headless Chromium against a
 * real node (LMDB in a temp folder, static files from `web/`): three users
 * (alice, bob, carol) each in their own browser context sign in with dev
 * tokens and chat. Checks 1:1 messages and ticks (delivered while the chat is
 * closed, read once opened, never down), typing, presence and hidden last
 * seen, a group of three (sender names, read by all, removing a member), an
 * image upload shown on the other side, and history paging after a reload.
 *
 * Screenshots of each page are written to a temp folder (printed) to look at.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';
import { pino } from 'pino';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type ChatNode, startNode } from '../actors/node.ts';
import { ensureChromium, type RunningChromium, startChromium } from './support/chromium.ts';

const WEB_ROOT = fileURLToPath(new URL('../web', import.meta.url));
/** How long one step may take to show up in a page. */
const STEP_MS = 10_000;
const READ_BLUE = 'rgb(29, 155, 240)';

let node: ChatNode | undefined;
let browser: RunningChromium | undefined;
let dataDir: string;
let base: string;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  await ensureChromium();
  dataDir = mkdtempSync(join(tmpdir(), 'parley-web-'));
  node = await startTestNode(0);
  base = `http://127.0.0.1:${node.port}`;
  browser = await startChromium();
}, 20 * 60_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  await node?.close();
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
});

/** A node on `port` (0: any free one) keeping its data in `dataDir`; its random JWT secret is new each time. */
function startTestNode(port: number): Promise<ChatNode> {
  return startNode({ port, dataDir, webRoot: WEB_ROOT, logger: pino({ level: 'error' }) });
}

const eventually = <T>(read: () => Promise<T> | T, timeoutMs = STEP_MS) =>
  expect.poll(read, { timeout: timeoutMs, interval: 50 });

async function newPage(user: string): Promise<Page> {
  const context = await browser!.browser.newContext({
    viewport: { width: 1100, height: 720 },
    colorScheme: 'light',
  });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(`${user}: ${err.message}`));
  return page;
}

async function signIn(page: Page, user: string, device = 'web'): Promise<void> {
  await page.goto(base);
  await page.getByTestId('signin-user').fill(user);
  await page.getByTestId('signin-device').fill(device);
  await page.getByTestId('signin-submit').click();
  await eventually(() => page.getByTestId('connection-status').getAttribute('data-state')).toBe(
    'online',
  );
  await eventually(() => page.getByTestId('me').textContent()).toBe(user);
}

/** Records, per own message id, the statuses its tick went through (as the page drew them). */
async function recordTicks(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: Record<string, string[]> = {};
    (window as unknown as { ticks: typeof seen }).ticks = seen;
    const record = () => {
      for (const el of Array.from(document.querySelectorAll('[data-testid="message"]'))) {
        const status = el
          .querySelector('[data-testid="message-tick"]')
          ?.getAttribute('data-status');
        const id = el.getAttribute('data-id');
        if (status == null || id === null) continue;
        seen[id] ??= [];
        const list = seen[id];
        if (list.at(-1) !== status) list.push(status);
      }
    };
    new MutationObserver(record).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
    });
  });
}

async function ticksSeen(page: Page, message: Locator): Promise<string[]> {
  const id = await message.getAttribute('data-id');
  return page.evaluate(
    (key) => (window as unknown as { ticks: Record<string, string[]> }).ticks[key!] ?? [],
    id,
  );
}

const tickOf = (message: Locator) =>
  message.getByTestId('message-tick').getAttribute('data-status');

const messageWith = (page: Page, text: string) =>
  page.getByTestId('message').filter({ hasText: text });

async function send(page: Page, text: string): Promise<void> {
  await page.getByTestId('composer-input').fill(text);
  await page.getByTestId('composer-input').press('Enter');
}

async function startChat(page: Page, user: string): Promise<void> {
  await page.getByTestId('new-chat-input').fill(user);
  await page.getByTestId('new-chat-submit').click();
  await eventually(() => page.getByTestId('chat-title').textContent()).toBe(user);
}

/** A `width`×`height` RGB gradient PNG. */
function png(width: number, height: number): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      raw[row + 1 + x * 3] = Math.round((255 * x) / width);
      raw[row + 2 + x * 3] = 128;
      raw[row + 3 + x * 3] = Math.round((255 * y) / height);
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Sends `count` numbered texts from `from` to `to` over a plain WebSocket; resolves once all are `sent`. */
async function sendFromSocket(from: string, to: string, count: number): Promise<void> {
  const res = await fetch(`${base}/api/v1/dev/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user: from, device: 'script' }),
  });
  const { token } = (await res.json()) as { token: string };
  const ws = new WebSocket(`${base.replace('http', 'ws')}/ws?token=${token}`);
  await new Promise<void>((resolve, reject) => {
    let sent = 0;
    ws.on('error', reject);
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type: string; status?: string };
      if (frame.type === 'welcome') {
        for (let i = 1; i <= count; i++)
          ws.send(
            JSON.stringify({
              type: 'message',
              id: `old-${i}`,
              to,
              content: { type: 'text', body: `old ${i}` },
            }),
          );
      } else if (frame.type === 'ack' && frame.status === 'sent' && ++sent === count) resolve();
      else if (frame.type === 'error') reject(new Error(String(data)));
    });
  });
  ws.close();
}

describe('web client', () => {
  it('lets users chat in real browsers: ticks, typing, presence, groups, images, history', async () => {
    const shots = mkdtempSync(join(tmpdir(), 'parley-web-shots-'));
    const [alice, bob, carol] = await Promise.all([
      newPage('alice'),
      newPage('bob'),
      newPage('carol'),
    ]);
    await Promise.all([signIn(alice, 'alice'), signIn(bob, 'bob'), signIn(carol, 'carol')]);
    await Promise.all([recordTicks(alice), recordTicks(bob), recordTicks(carol)]);

    // bob hides his last seen (checked at the end, once he is gone).
    await bob.getByTestId('settings-button').click();
    await bob.getByTestId('setting-hide-last-seen').check();
    await bob.getByTestId('settings-dialog-close').click();

    // alice opens a chat with bob, who is online.
    await startChat(alice, 'bob');
    await eventually(() => alice.getByTestId('presence').textContent()).toBe('online');

    // alice writes; bob's device gets it (delivered) but has not opened the chat.
    await send(alice, 'Hi Bob 👋');
    const first = messageWith(alice, 'Hi Bob');
    await eventually(() => tickOf(first)).toBe('delivered');
    const bobsChatWithAlice = bob.locator('[data-conversation="u:alice"]');
    await eventually(() => bobsChatWithAlice.getByTestId('unread-count').textContent()).toBe('1');
    expect(await tickOf(first)).toBe('delivered');

    // bob opens it: he sees the message, alice's tick turns blue.
    await bobsChatWithAlice.click();
    await eventually(() => bob.getByTestId('message-text').allTextContents()).toEqual([
      'Hi Bob 👋',
    ]);
    await eventually(() => tickOf(first)).toBe('read');
    await eventually(() =>
      first.getByTestId('message-tick').evaluate((el) => getComputedStyle(el).color),
    ).toBe(READ_BLUE);
    const steps = await ticksSeen(alice, first);
    const rank = ['pending', 'sent', 'delivered', 'read'];
    expect(steps.slice(-2)).toEqual(['delivered', 'read']);
    expect(steps.map((s) => rank.indexOf(s))).toEqual(
      [...new Set(steps.map((s) => rank.indexOf(s)))].sort(),
    );
    expect(await bobsChatWithAlice.getByTestId('unread-count').count()).toBe(0);

    // bob types: alice sees "typing…"; he sends, it goes, the reply arrives, read at once.
    await bob.getByTestId('composer-input').pressSequentially('Hello Alice', { delay: 15 });
    await eventually(() => alice.getByTestId('typing-indicator').textContent()).toBe('typing…');
    await bob.getByTestId('composer-input').press('Enter');
    await messageWith(alice, 'Hello Alice').waitFor({ timeout: STEP_MS });
    await eventually(() => alice.getByTestId('typing-indicator').count()).toBe(0);
    await eventually(() => alice.getByTestId('presence').textContent()).toBe('online');
    await eventually(() => tickOf(messageWith(bob, 'Hello Alice'))).toBe('read');

    // alice sends a photo; it shows on both sides, loaded with the token in the URL.
    await alice
      .getByTestId('attach-input')
      .setInputFiles({ name: 'swatch.png', mimeType: 'image/png', buffer: png(160, 100) });
    for (const page of [alice, bob]) {
      const img = page.getByTestId('message-image');
      await img.waitFor({ timeout: STEP_MS });
      await eventually(() =>
        img.evaluate(
          (el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth,
        ),
      ).toBe(160);
      expect(await img.getAttribute('src')).toMatch(/^\/api\/v1\/media\/[\w-]+\?token=/);
    }
    await eventually(() =>
      tickOf(alice.getByTestId('message').filter({ has: alice.getByTestId('message-image') })),
    ).toBe('read');
    await alice.screenshot({ path: join(shots, 'alice-chat.png') });

    // The node restarts (same data, new JWT secret). alice writes while it is
    // down: the message waits (clock), then goes out with the same id once the
    // pages have reconnected (with fresh tokens); bob gets it once.
    const port = node!.port;
    await node!.close();
    node = undefined;
    await eventually(() =>
      alice.getByTestId('connection-status').getAttribute('data-state'),
    ).not.toBe('online');
    await send(alice, 'Written while offline');
    const offline = messageWith(alice, 'Written while offline');
    expect(await tickOf(offline)).toBe('pending');
    node = await startTestNode(port);
    for (const page of [alice, bob, carol])
      await eventually(
        () => page.getByTestId('connection-status').getAttribute('data-state'),
        30_000,
      ).toBe('online');
    await eventually(() => tickOf(offline)).toBe('read');
    await eventually(() => messageWith(bob, 'Written while offline').count()).toBe(1);
    expect(await messageWith(bob, 'Written while offline').getAttribute('data-id')).toBe(
      await offline.getAttribute('data-id'),
    );

    // alice makes a group with bob and carol and writes to it.
    await alice.getByTestId('new-group-button').click();
    await alice.getByTestId('group-name').fill('Trio');
    await alice.getByTestId('group-members').fill('bob, carol');
    await alice.getByTestId('group-submit').click();
    await eventually(() => alice.getByTestId('chat-title').textContent()).toBe('Trio');
    await send(alice, 'Hello group');
    for (const page of [bob, carol]) {
      await page.getByTestId('conversation-item').filter({ hasText: 'Trio' }).click();
      const message = messageWith(page, 'Hello group');
      await eventually(() => message.getByTestId('message-sender').textContent()).toBe('alice');
    }
    // Read by both members: only then blue.
    await eventually(() => tickOf(messageWith(alice, 'Hello group'))).toBe('read');
    await send(carol, 'Hi both!');
    for (const page of [alice, bob]) {
      const message = messageWith(page, 'Hi both!');
      await eventually(() => message.getByTestId('message-sender').textContent()).toBe('carol');
    }
    await eventually(() => tickOf(messageWith(carol, 'Hi both!'))).toBe('read');

    // alice (admin) removes carol: carol can no longer write.
    await alice.getByTestId('group-info-button').click();
    await eventually(() => alice.getByTestId('group-member').count()).toBe(3);
    await alice.screenshot({ path: join(shots, 'alice-group-info.png') });
    await alice
      .locator('[data-testid="group-member"][data-user="carol"]')
      .getByTestId('group-remove')
      .click();
    await eventually(() => alice.getByTestId('group-member').count()).toBe(2);
    await alice.getByTestId('group-info-dialog-close').click();
    await eventually(() => carol.getByTestId('left-note').isVisible()).toBe(true);
    await eventually(() => carol.getByTestId('composer').isVisible()).toBe(false);

    // History: dave sends bob 65 messages; bob reloads with empty storage (same
    // device: nothing is redelivered) and pages back through them (30 a page):
    // with the "load older" button, then by scrolling to the top.
    await sendFromSocket('dave', 'bob', 65);
    const bobsChatWithDave = bob.locator('[data-conversation="u:dave"]');
    await eventually(() => bobsChatWithDave.getByTestId('unread-count').textContent()).toBe('65');
    await bob.goto(`${base}/no-app-here`); // same origin, no client running to write storage back
    await bob.evaluate(() => localStorage.clear());
    await signIn(bob, 'bob');
    await startChat(bob, 'dave');
    await eventually(() => bob.getByTestId('message').count()).toBe(30);
    // The history reply follows any backlog: none came, so the page above is history.
    expect(await bob.getByTestId('conversation-item').count()).toBe(1);
    // A click without scrolling there first (scrolling to the top loads by itself).
    await bob.getByTestId('load-older').dispatchEvent('click');
    await eventually(() => bob.getByTestId('message').count()).toBe(60);
    const scroller = bob.locator('.message-scroller');
    await scroller.evaluate((el) => {
      el.scrollTop = 0;
    });
    await eventually(() => bob.getByTestId('message').count()).toBe(65);
    // What bob was reading stays in place: the page put above it is out of view.
    expect(await scroller.evaluate((el) => el.scrollTop)).toBeGreaterThan(0);
    await bob.screenshot({ path: join(shots, 'bob-history.png') });
    expect(await bob.getByTestId('message-text').first().textContent()).toBe('old 1');
    expect(await bob.getByTestId('message-text').last().textContent()).toBe('old 65');
    expect(await bob.getByTestId('load-older').isVisible()).toBe(false);
    await startChat(bob, 'alice');
    await eventually(() => bob.getByTestId('message-text').allTextContents()).toEqual([
      'Hi Bob 👋',
      'Hello Alice',
      'Written while offline',
    ]);
    await bob.getByTestId('message-image').waitFor({ timeout: STEP_MS });
    await eventually(() =>
      bob.getByTestId('message-image').evaluate((el) => (el as HTMLImageElement).naturalWidth),
    ).toBe(160);
    await bob.screenshot({ path: join(shots, 'bob-chat.png') });
    expect(await bob.locator('[data-testid="message"].mine').count()).toBe(1);

    // Presence: carol leaves and shows "last seen"; bob leaves, his last seen hidden.
    await carol.screenshot({ path: join(shots, 'carol.png') });
    await carol.context().close();
    await bob.context().close();
    await startChat(alice, 'bob');
    await eventually(() => alice.getByTestId('presence').getAttribute('data-online')).toBe('false');
    expect(await alice.getByTestId('presence').textContent()).toBe('');
    await startChat(alice, 'carol');
    await eventually(() => alice.getByTestId('presence').textContent()).toMatch(
      /^last seen today at \d\d:\d\d/,
    );
    await alice.locator('[data-conversation^="g:"]').click();
    await alice.setViewportSize({ width: 390, height: 760 });
    await alice.screenshot({ path: join(shots, 'alice-narrow.png') });
    console.log(`[web-client] screenshots in ${shots}`);

    expect(pageErrors).toEqual([]);
  }, 90_000);
});
