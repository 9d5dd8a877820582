/**
 * The web client (`web/`) end to end, in real headless Chromium against a
 * real node (LMDB in a temp folder, static files from `web/`): three users
 * (alice, bob, carol) each in their own browser context sign in with dev
 * tokens and chat. Checks 1:1 messages and ticks (delivered while the chat is
 * closed, read once opened, never down), typing, presence and hidden last
 * seen, a group of three (sender names, read by all, removing a member), an
 * image upload shown on the other side, and history paging after a reload.
 *
 * Then one case per item of issue 7's web client section: a session per tab
 * (two tabs in one browser profile are two users and devices), no automatic
 * reconnect after being replaced (close 4001), the server's error message
 * shown, media only from this server (an image URL from elsewhere is a link,
 * never fetched) and safe clickable links, video/audio/document attachments
 * by attach, paste and drop, date separators, and protocol v1.1 on a second
 * device (the chat list with unread counts and group names, group members
 * from `group.info`, unread cleared by a read on the other device).
 *
 * Screenshots of each page are written to a temp folder (printed) to look at.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ChatNode, startNode } from '../actors/node.ts';
import { ensureChromium, type RunningChromium, startChromium } from './support/chromium.ts';
import { png, ScriptUser, wav } from './support/web-pages.ts';

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

// Uncaught page errors, and anything our own CSP blocked, fail the case they happened in.
afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});

/** A node on `port` (0: any free one) keeping its data in `dataDir`; its random JWT secret is new each time. */
function startTestNode(port: number): Promise<ChatNode> {
  return startNode({ port, dataDir, webRoot: WEB_ROOT, logger: pino({ level: 'error' }) });
}

const eventually = <T>(read: () => Promise<T> | T, timeoutMs = STEP_MS) =>
  expect.poll(read, { timeout: timeoutMs, interval: 50 });

async function newContext(): Promise<BrowserContext> {
  const context = await browser!.browser.newContext({
    viewport: { width: 1100, height: 720 },
    colorScheme: 'light',
  });
  contexts.push(context);
  return context;
}

/** A new tab in `context` (default: a fresh context, i.e. another browser profile). */
async function newPage(user: string, context?: BrowserContext): Promise<Page> {
  const page = await (context ?? (await newContext())).newPage();
  page.on('pageerror', (err) => pageErrors.push(`${user}: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text()))
      pageErrors.push(`${user}: ${msg.text()}`);
  });
  return page;
}

/** Signs in on the page's sign-in screen; `device` null keeps the tab's default device. */
async function signIn(page: Page, user: string, device: string | null = 'web'): Promise<void> {
  await page.goto(base);
  await page.getByTestId('signin-user').fill(user);
  if (device !== null) await page.getByTestId('signin-device').fill(device);
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

/** Records every connection state the page shows from now on (in `window.states`). */
async function recordStates(page: Page): Promise<void> {
  await page.evaluate(() => {
    const states: string[] = [];
    (window as unknown as { states: string[] }).states = states;
    const el = document.querySelector('[data-testid="connection-status"]')!;
    new MutationObserver(() => states.push(el.getAttribute('data-state') ?? '')).observe(el, {
      attributes: true,
      attributeFilter: ['data-state'],
    });
  });
}

const statesSeen = (page: Page) =>
  page.evaluate(() => (window as unknown as { states: string[] }).states);

/** Opens a blank page of the node's origin (no client running), to read or write its storage. */
async function blankPage(page: Page): Promise<void> {
  const url = `${base}/blank-for-test`;
  await page.route(url, (route) =>
    route.fulfill({
      status: 200,
      contentType: 'text/html',
      body: '<!doctype html><title>blank</title>',
    }),
  );
  await page.goto(url);
}

const connectionState = (page: Page) =>
  page.getByTestId('connection-status').getAttribute('data-state');

const tabSession = (page: Page) =>
  page.evaluate(
    () =>
      JSON.parse(sessionStorage.getItem('parley:session') ?? 'null') as {
        user: string;
        device: string;
      },
  );

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
    const dave = await ScriptUser.open(base, 'dave');
    for (let i = 1; i <= 65; i++) await dave.text({ to: 'bob' }, `old ${i}`, `old-${i}`);
    await dave.close();
    const bobsChatWithDave = bob.locator('[data-conversation="u:dave"]');
    await eventually(() => bobsChatWithDave.getByTestId('unread-count').textContent()).toBe('65');
    await blankPage(bob); // same origin, no client running to write storage back
    await bob.evaluate(() => {
      localStorage.clear();
      sessionStorage.clear();
    });
    await signIn(bob, 'bob');
    await startChat(bob, 'dave');
    await eventually(() => bob.getByTestId('message').count()).toBe(30);
    expect(await bob.getByTestId('message-text').first().textContent()).toBe('old 36');
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
  }, 90_000);

  it('keeps the session per tab: two tabs of one browser are two users and devices, also after a reload', async () => {
    const context = await newContext();
    const tom = await newPage('tom', context);
    await signIn(tom, 'tom', null);
    // The second tab shares the first one's localStorage, yet starts signed out.
    const tina = await newPage('tina', context);
    await tina.goto(base);
    await tina.getByTestId('signin-form').waitFor({ timeout: STEP_MS });
    await signIn(tina, 'tina', null);
    const [tomSession, tinaSession] = await Promise.all([tabSession(tom), tabSession(tina)]);
    expect(tomSession.user).toBe('tom');
    expect(tinaSession.user).toBe('tina');
    expect(tomSession.device).not.toBe(tinaSession.device);
    await Promise.all([recordStates(tom), recordStates(tina)]);
    // Long enough for a replace-and-reconnect loop (backoff from 0.5 s) to show.
    await tom.waitForTimeout(2_500);
    expect(await statesSeen(tom)).toEqual([]);
    expect(await statesSeen(tina)).toEqual([]);
    // A reload keeps each tab's own session.
    await tom.reload();
    await eventually(() => connectionState(tom)).toBe('online');
    expect(await tom.getByTestId('me').textContent()).toBe('tom');
    expect(await tina.getByTestId('me').textContent()).toBe('tina');
    expect(await statesSeen(tina)).toEqual([]);
    expect((await tabSession(tom)).device).toBe(tomSession.device);
    // And they talk to each other as two users.
    await startChat(tom, 'tina');
    await send(tom, 'Hi from the other tab');
    const item = tina.locator('[data-conversation="u:tom"]');
    await eventually(() => item.getByTestId('unread-count').textContent()).toBe('1');
  }, 60_000);

  it('never reconnects by itself after being replaced by the same device elsewhere, and says so', async () => {
    const first = await newPage('rita (first)');
    const second = await newPage('rita (second)');
    await signIn(first, 'rita', 'laptop');
    await signIn(second, 'rita', 'laptop');
    await eventually(() => connectionState(first)).toBe('replaced');
    await eventually(() => first.getByTestId('replaced-banner').isVisible()).toBe(true);
    expect(await first.getByTestId('replaced-banner').textContent()).toContain('laptop');
    await eventually(() => connectionState(second)).toBe('online');
    await Promise.all([recordStates(first), recordStates(second)]);
    await first.waitForTimeout(2_500);
    // The first tab stayed down: the second was never replaced in turn.
    expect(await statesSeen(first)).toEqual([]);
    expect(await statesSeen(second)).toEqual([]);
    // The person chooses to use the first one: now the second says so.
    await first.getByTestId('reconnect-button').click();
    await eventually(() => connectionState(first)).toBe('online');
    expect(await first.getByTestId('replaced-banner').isVisible()).toBe(false);
    await eventually(() => connectionState(second)).toBe('replaced');
    await eventually(() => second.getByTestId('replaced-banner').isVisible()).toBe(true);
  }, 60_000);

  it("shows the server's error message", async () => {
    // A node without dev tokens: signing in is refused, with the server's reason.
    const closedDir = mkdtempSync(join(tmpdir(), 'parley-web-closed-'));
    const closed = await startNode({
      port: 0,
      dataDir: closedDir,
      webRoot: WEB_ROOT,
      devTokens: false,
      logger: pino({ level: 'error' }),
    });
    try {
      const closedBase = `http://127.0.0.1:${closed.port}`;
      const res = await fetch(`${closedBase}/api/v1/dev/tokens`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Origin: closedBase },
        body: JSON.stringify({ user: 'eve', device: 'web' }),
      });
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(res.ok).toBe(false);
      expect(body.error.message.length).toBeGreaterThan(0);
      const page = await newPage('eve');
      await page.goto(closedBase);
      await page.getByTestId('signin-user').fill('eve');
      await page.getByTestId('signin-submit').click();
      await eventually(() => page.getByTestId('signin-error').textContent()).toBe(
        body.error.message,
      );
      await page.context().close();
    } finally {
      await closed.close();
      rmSync(closedDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('loads media only from this server: an image from elsewhere is a link, never fetched; links are safe', async () => {
    const requests: string[] = [];
    const tracker = createServer((req, res) => {
      requests.push(req.url ?? '');
      res.writeHead(200, { 'Content-Type': 'image/png' });
      res.end(png(1, 1));
    });
    await new Promise<void>((resolve) => tracker.listen(0, '127.0.0.1', resolve));
    const trackerBase = `http://127.0.0.1:${(tracker.address() as AddressInfo).port}`;
    try {
      const mallory = await ScriptUser.open(base, 'mallory');
      const pixel = `${trackerBase}/pixel.png?who=xena`;
      const clip = `${trackerBase}/clip.mp4`;
      await mallory.send({ to: 'xena' }, { type: 'image', url: pixel });
      await mallory.send({ to: 'xena' }, { type: 'video', url: clip, caption: 'watch this' });
      await mallory.send({ to: 'xena' }, { type: 'image', url: 'javascript:alert(1)' });
      // Same path, another origin: still not this server's media.
      await mallory.send({ to: 'xena' }, { type: 'audio', url: `${trackerBase}/api/v1/media/abc` });
      await mallory.text(
        { to: 'xena' },
        'see https://example.com/wiki/Foo_(bar)?q=1. or javascript:alert(1) <img src=x onerror=alert(1)>',
      );
      await mallory.close();

      const xena = await newPage('xena');
      await signIn(xena, 'xena');
      await xena.locator('[data-conversation="u:mallory"]').click();
      await eventually(() => xena.getByTestId('message').count()).toBe(5);
      expect(await xena.getByTestId('external-media').count()).toBe(4);
      const list = xena.getByTestId('message-list');
      expect(await list.locator('img, video, audio, iframe, object').count()).toBe(0);
      const links = xena.getByTestId('external-media-link');
      expect(
        await links.evaluateAll((els) => els.map((a) => (a as HTMLAnchorElement).href)),
      ).toEqual([pixel, clip, `${trackerBase}/api/v1/media/abc`]);
      for (const link of await links.all()) {
        expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
        expect(await link.getAttribute('target')).toBe('_blank');
      }
      // The text: one http(s) link, the rest plain text (no markup from the sender).
      const text = xena.getByTestId('message-text');
      const textLinks = text.getByTestId('message-link');
      expect(await textLinks.count()).toBe(1);
      expect(await textLinks.getAttribute('href')).toBe('https://example.com/wiki/Foo_(bar)?q=1');
      expect(await textLinks.textContent()).toBe('https://example.com/wiki/Foo_(bar)?q=1');
      expect(await textLinks.getAttribute('rel')).toBe('noopener noreferrer');
      expect(await text.textContent()).toContain('<img src=x onerror=alert(1)>');
      expect(await text.locator('img').count()).toBe(0);
      await xena.waitForTimeout(500);
      expect(requests).toEqual([]);
      await xena.context().close();
    } finally {
      tracker.close();
    }
  }, 60_000);

  it('sends video, audio and documents by attach, paste and drop; separates days', async () => {
    const [zoe, yan] = await Promise.all([newPage('zoe'), newPage('yan')]);
    await Promise.all([signIn(zoe, 'zoe'), signIn(yan, 'yan')]);
    await startChat(zoe, 'yan');
    const notes = 'Meeting notes\n- ship it\n';
    await zoe.getByTestId('attach-input').setInputFiles([
      { name: 'tone.wav', mimeType: 'audio/wav', buffer: wav(0.5) },
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from(notes) },
      { name: 'clip.mp4', mimeType: 'video/mp4', buffer: Buffer.from('not really a video') },
    ]);
    // Paste an image into the composer, drop a PDF onto the conversation.
    const pasted = [...png(40, 30)];
    await zoe.getByTestId('composer-input').evaluate((input, bytes) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(bytes)], 'pasted.png', { type: 'image/png' }));
      input.dispatchEvent(
        new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }),
      );
    }, pasted);
    await zoe.getByTestId('chat').evaluate((chat) => {
      const data = new DataTransfer();
      data.items.add(new File(['%PDF-1.4 tiny'], 'plan.pdf', { type: 'application/pdf' }));
      for (const type of ['dragenter', 'dragover', 'drop'])
        chat.dispatchEvent(
          new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }),
        );
    });
    await eventually(() => zoe.getByTestId('message').count()).toBe(5);
    await eventually(() =>
      zoe
        .getByTestId('message-tick')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-status'))),
    ).toEqual(['delivered', 'delivered', 'delivered', 'delivered', 'delivered']);

    await yan.locator('[data-conversation="u:zoe"]').click();
    await eventually(() => yan.getByTestId('message').count()).toBe(5);
    // Audio plays from this server (its duration is read from the file).
    await eventually(() =>
      yan
        .getByTestId('message-audio')
        .evaluate((el) => Math.round((el as HTMLAudioElement).duration * 10)),
    ).toBe(5);
    expect(await yan.getByTestId('message-video').getAttribute('src')).toMatch(
      /^\/api\/v1\/media\/[\w-]+\?token=/,
    );
    expect(await yan.getByTestId('document-name').allTextContents()).toEqual([
      'notes.txt',
      'plan.pdf',
    ]);
    const doc = yan.getByTestId('message-document').first();
    expect(await doc.getAttribute('download')).toBe('notes.txt');
    const href = await doc.getAttribute('href');
    expect(href).toMatch(/^\/api\/v1\/media\/[\w-]+\?token=/);
    expect(await yan.evaluate((url) => fetch(url!).then((r) => r.text()), href)).toBe(notes);
    const img = yan.getByTestId('message-image');
    await eventually(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(40);
    // Everything today: one separator.
    expect(await yan.getByTestId('day-separator').allTextContents()).toEqual(['Today']);
    await yan.screenshot({ path: join(tmpdir(), 'parley-web-attachments.png') });

    // Days apart: messages cached from earlier days (the cache is per user and device).
    const quinn = await newPage('quinn');
    await blankPage(quinn);
    await quinn.evaluate(() => {
      const day = 24 * 3600 * 1000;
      const at = (daysAgo: number, hour: number) => {
        const d = new Date(Date.now() - daysAgo * day);
        d.setHours(hour, 0, 0, 0);
        return d.getTime();
      };
      const message = (id: string, ts: number) => ({
        id,
        from: 'paul',
        to: 'quinn',
        ts,
        content: { type: 'text', body: id },
        readSent: true,
        receipts: {},
      });
      localStorage.setItem(
        'parley:v1:quinn:web',
        JSON.stringify({
          conversations: [
            {
              key: 'u:paul',
              name: 'paul',
              messages: [
                message('three days ago', at(3, 10)),
                message('yesterday morning', at(1, 9)),
                message('yesterday evening', at(1, 20)),
                message('just now', Date.now() - 1000),
              ],
            },
          ],
        }),
      );
    });
    await signIn(quinn, 'quinn');
    await quinn.locator('[data-conversation="u:paul"]').click();
    await eventually(() => quinn.getByTestId('message').count()).toBe(4);
    const rows = await quinn
      .getByTestId('message-list')
      .evaluate((ol) =>
        Array.from(ol.children, (li) =>
          li.getAttribute('data-testid') === 'day-separator'
            ? `[${li.textContent}]`
            : li.querySelector('[data-testid="message-text"]')?.textContent,
        ),
      );
    expect(rows.map((r) => (/^\[(?!Today|Yesterday)/.test(r ?? '') ? '[date]' : r))).toEqual([
      '[date]',
      'three days ago',
      '[Yesterday]',
      'yesterday morning',
      'yesterday evening',
      '[Today]',
      'just now',
    ]);
    // The older date is written out in full, with its year.
    expect(rows[0]).toMatch(/\d{4}/);
    for (const page of [zoe, yan, quinn]) await page.context().close();
  }, 60_000);

  it('shows a second device the chat list, unread counts, group names and members; a read on one device clears the other', async () => {
    const [wes, vic] = await Promise.all([
      ScriptUser.open(base, 'wes'),
      ScriptUser.open(base, 'vic'),
    ]);
    const phone = await newPage('una (phone)');
    await signIn(phone, 'una', 'phone');
    const group = await wes.createGroup('Book club', ['una', 'vic']);
    await wes.text({ group: String(group.id) }, 'Welcome to the club');
    for (const body of ['v1', 'v2', 'v3']) await vic.text({ to: 'una' }, body);
    const phoneVic = phone.locator('[data-conversation="u:vic"]');
    await eventually(() => phoneVic.getByTestId('unread-count').textContent()).toBe('3');

    // A new device of una: the chat list comes from the server.
    const laptop = await newPage('una (laptop)');
    await signIn(laptop, 'una', 'laptop');
    const laptopVic = laptop.locator('[data-conversation="u:vic"]');
    const laptopGroup = laptop.locator(`[data-conversation="g:${String(group.id)}"]`);
    await eventually(() => laptopVic.getByTestId('unread-count').textContent()).toBe('3');
    await eventually(() => laptopGroup.getByTestId('conversation-name').textContent()).toBe(
      'Book club',
    );
    expect(await laptopVic.textContent()).toContain('v3');
    // Its members, from group.info.
    await laptopGroup.click();
    await eventually(async () =>
      ((await laptop.getByTestId('group-members-summary').textContent()) ?? '').split(', ').sort(),
    ).toEqual(['vic', 'wes', 'you']);
    await laptop.getByTestId('group-info-button').click();
    await eventually(() =>
      laptop
        .getByTestId('group-member')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-user') ?? '').sort()),
    ).toEqual(['una', 'vic', 'wes']);
    await laptop.getByTestId('group-info-dialog-close').click();

    // una reads vic's messages on her phone: the laptop's badge goes too.
    await phoneVic.click();
    await eventually(() => phone.getByTestId('message-text').allTextContents()).toEqual([
      'v1',
      'v2',
      'v3',
    ]);
    await eventually(() => laptopVic.getByTestId('unread-count').count()).toBe(0);
    await eventually(() => laptop.title()).not.toMatch(/^\(/);
    await Promise.all([wes.close(), vic.close()]);
  }, 60_000);
});
