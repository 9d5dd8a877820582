/**
 * The setup of the web client's browser tests: one real node (LMDB in a
 * temp folder, static files from `web/`) and one headless Chromium per test
 * file, with helpers to drive pages. `useWebHarness()` registers the hooks
 * in the calling file: start both before the first case, close every
 * context, the browser and the node after the last, and fail each case in
 * which a page threw an uncaught error or our own Content-Security-Policy
 * blocked something.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { type ChatNode, type NodePushOptions, startNode } from '../../actors/node.ts';
import { ensureChromium, type RunningChromium, startChromium } from './chromium.ts';

export const WEB_ROOT = fileURLToPath(new URL('../../web', import.meta.url));
/** How long one step may take to show up in a page. */
export const STEP_MS = 10_000;

export const eventually = <T>(read: () => Promise<T> | T, timeoutMs = STEP_MS) =>
  expect.poll(read, { timeout: timeoutMs, interval: 50 });

export interface WebHarness {
  /** `http://127.0.0.1:PORT` of the node. */
  readonly base: string;
  /** Closes the node (its data stays); resolves to its port. */
  stopNode(): Promise<number>;
  /** Starts the node again on `port` with the same data (and a new random JWT secret). */
  restartNode(port: number): Promise<void>;
  /** A fresh browser context: its own cookies and storage, like another browser profile. */
  newContext(): Promise<BrowserContext>;
  /** A new tab in `context` (default: a fresh context), its errors recorded under `user`. */
  newPage(user: string, context?: BrowserContext): Promise<Page>;
  /** Signs in on the sign-in screen; `device` null keeps the tab's default device. */
  signIn(page: Page, user: string, device?: string | null): Promise<void>;
  /** Opens a blank page of the node's origin (no client running), to read or write its storage. */
  blankPage(page: Page): Promise<void>;
}

export interface WebHarnessOptions {
  /** Push notifications on the node, made from its data directory; default off. */
  readonly push?: (dataDir: string) => NodePushOptions;
}

export function useWebHarness(options: WebHarnessOptions = {}): WebHarness {
  let node: ChatNode | undefined;
  let browser: RunningChromium | undefined;
  let dataDir: string | undefined;
  let base = '';
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  const start = (port: number) =>
    startNode({
      port,
      dataDir,
      webRoot: WEB_ROOT,
      logger: pino({ level: 'error' }),
      ...(options.push !== undefined ? { push: options.push(dataDir!) } : {}),
    });

  beforeAll(async () => {
    await ensureChromium();
    dataDir = mkdtempSync(join(tmpdir(), 'parley-web-'));
    node = await start(0);
    base = `http://127.0.0.1:${node.port}`;
    browser = await startChromium();
  }, 20 * 60_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await node?.close();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([]);
  });

  const harness: WebHarness = {
    get base() {
      return base;
    },
    async stopNode() {
      const port = node!.port;
      await node!.close();
      node = undefined;
      return port;
    },
    async restartNode(port) {
      node = await start(port);
    },
    async newContext() {
      const context = await browser!.browser.newContext({
        viewport: { width: 1100, height: 720 },
        colorScheme: 'light',
      });
      contexts.push(context);
      return context;
    },
    async newPage(user, context) {
      const page = await (context ?? (await harness.newContext())).newPage();
      page.on('pageerror', (err) => pageErrors.push(`${user}: ${err.message}`));
      page.on('console', (msg) => {
        if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text()))
          pageErrors.push(`${user}: ${msg.text()}`);
      });
      return page;
    },
    async signIn(page, user, device = 'web') {
      await page.goto(base);
      await page.getByTestId('signin-user').fill(user);
      if (device !== null) await page.getByTestId('signin-device').fill(device);
      await page.getByTestId('signin-submit').click();
      await eventually(() => connectionState(page)).toBe('online');
      await eventually(() => page.getByTestId('me').textContent()).toBe(user);
    },
    async blankPage(page) {
      const url = `${base}/blank-for-test`;
      await page.route(url, (route) =>
        route.fulfill({
          status: 200,
          contentType: 'text/html',
          body: '<!doctype html><title>blank</title>',
        }),
      );
      await page.goto(url);
    },
  };
  return harness;
}

/** Records, per own message id, the statuses its tick went through (as the page drew them). */
export async function recordTicks(page: Page): Promise<void> {
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

export async function ticksSeen(page: Page, message: Locator): Promise<string[]> {
  const id = await message.getAttribute('data-id');
  return page.evaluate(
    (key) => (window as unknown as { ticks: Record<string, string[]> }).ticks[key!] ?? [],
    id,
  );
}

/** Records every connection state the page shows from now on (in `window.states`). */
export async function recordStates(page: Page): Promise<void> {
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

export const statesSeen = (page: Page) =>
  page.evaluate(() => (window as unknown as { states: string[] }).states);

export const connectionState = (page: Page) =>
  page.getByTestId('connection-status').getAttribute('data-state');

/** The tab's session as the client keeps it (sessionStorage). */
export const tabSession = (page: Page) =>
  page.evaluate(
    () =>
      JSON.parse(sessionStorage.getItem('parley:session') ?? 'null') as {
        user: string;
        device: string;
      },
  );

export const tickOf = (message: Locator) =>
  message.getByTestId('message-tick').getAttribute('data-status');

export const messageWith = (page: Page, text: string) =>
  page.getByTestId('message').filter({ hasText: text });

export async function send(page: Page, text: string): Promise<void> {
  await page.getByTestId('composer-input').fill(text);
  await page.getByTestId('composer-input').press('Enter');
}

export async function startChat(page: Page, user: string): Promise<void> {
  await page.getByTestId('new-chat-input').fill(user);
  await page.getByTestId('new-chat-submit').click();
  await eventually(() => page.getByTestId('chat-title').textContent()).toBe(user);
}
