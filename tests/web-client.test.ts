/**
 * The web client (`web/`) end to end, in real headless Chromium against a
 * real node (`support/web-harness.ts`): three users (alice, bob, carol) each
 * in their own browser context sign in with dev tokens and chat. Checks 1:1
 * messages and ticks (delivered while the chat is closed, read once opened,
 * never down), typing, presence and hidden last seen, a group of three
 * (sender names, read by all, removing a member), an image upload shown on
 * the other side, and history paging after a reload.
 *
 * Then the sessions of issue 7: one per tab (two tabs in one browser
 * profile are two users and devices), no automatic reconnect after being
 * replaced (close 4001), and the server's error message shown. Content and
 * protocol v1.1 are in `web-client-content.test.ts`.
 *
 * Screenshots of each page are written to a temp folder (printed) to look at.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { startNode } from '../actors/node.ts';
import {
  connectionState,
  eventually,
  messageWith,
  recordStates,
  recordTicks,
  STEP_MS,
  send,
  startChat,
  statesSeen,
  tabSession,
  tickOf,
  ticksSeen,
  useWebHarness,
  WEB_ROOT,
} from './support/web-harness.ts';
import { png, ScriptUser } from './support/web-pages.ts';

const READ_BLUE = 'rgb(29, 155, 240)';
const web = useWebHarness();

describe('web client', () => {
  it('lets users chat in real browsers: ticks, typing, presence, groups, images, history', async () => {
    const shots = mkdtempSync(join(tmpdir(), 'parley-web-shots-'));
    const [alice, bob, carol] = await Promise.all([
      web.newPage('alice'),
      web.newPage('bob'),
      web.newPage('carol'),
    ]);
    await Promise.all([
      web.signIn(alice, 'alice'),
      web.signIn(bob, 'bob'),
      web.signIn(carol, 'carol'),
    ]);
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
    const port = await web.stopNode();
    await eventually(() =>
      alice.getByTestId('connection-status').getAttribute('data-state'),
    ).not.toBe('online');
    await send(alice, 'Written while offline');
    const offline = messageWith(alice, 'Written while offline');
    expect(await tickOf(offline)).toBe('pending');
    await web.restartNode(port);
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
    const dave = await ScriptUser.open(web.base, 'dave');
    for (let i = 1; i <= 65; i++) await dave.text({ to: 'bob' }, `old ${i}`, `old-${i}`);
    await dave.close();
    const bobsChatWithDave = bob.locator('[data-conversation="u:dave"]');
    await eventually(() => bobsChatWithDave.getByTestId('unread-count').textContent()).toBe('65');
    await web.blankPage(bob); // same origin, no client running to write storage back
    await bob.evaluate(() => {
      localStorage.clear();
      sessionStorage.clear();
    });
    await web.signIn(bob, 'bob');
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
  }, 150_000);

  it('keeps the session per tab: two tabs of one browser are two users and devices, also after a reload', async () => {
    const context = await web.newContext();
    const tom = await web.newPage('tom', context);
    await web.signIn(tom, 'tom', null);
    // The second tab shares the first one's localStorage, yet starts signed out.
    const tina = await web.newPage('tina', context);
    await tina.goto(web.base);
    await tina.getByTestId('signin-form').waitFor({ timeout: STEP_MS });
    await web.signIn(tina, 'tina', null);
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
  }, 90_000);

  it('never reconnects by itself after being replaced by the same device elsewhere, and says so', async () => {
    const first = await web.newPage('rita (first)');
    const second = await web.newPage('rita (second)');
    await web.signIn(first, 'rita', 'laptop');
    await web.signIn(second, 'rita', 'laptop');
    await eventually(() => connectionState(first)).toBe('replaced');
    await eventually(() => first.getByTestId('replaced-banner').isVisible()).toBe(true);
    expect(await first.getByTestId('replaced-banner').textContent()).toContain('laptop');
    await first.screenshot({ path: join(tmpdir(), 'parley-web-replaced.png') });
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
  }, 90_000);

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
      const page = await web.newPage('eve');
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
  }, 90_000);
});
