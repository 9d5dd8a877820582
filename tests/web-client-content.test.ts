/**
 * The web client's content and protocol v1.1, in real headless Chromium
 * against a real node (`support/web-harness.ts`), one case per item of
 * issue 7: media only from this server (an image URL from elsewhere is a
 * link, never fetched) and safe clickable links; video, audio and document
 * attachments by attach, paste and drop; date separators; and a second
 * device that sees the chat list (unread counts, group names), group
 * members from `group.info`, and unread cleared by a read on the other
 * device.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually, startChat, useWebHarness } from './support/web-harness.ts';
import { png, ScriptUser, wav } from './support/web-pages.ts';

const web = useWebHarness();

describe('web client content', () => {
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
      const mallory = await ScriptUser.open(web.base, 'mallory');
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

      const xena = await web.newPage('xena');
      await web.signIn(xena, 'xena');
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
      await xena.screenshot({ path: join(tmpdir(), 'parley-web-external-media.png') });
      await xena.waitForTimeout(500);
      expect(requests).toEqual([]);
      await xena.context().close();
    } finally {
      tracker.close();
    }
  }, 90_000);

  it('sends video, audio and documents by attach, paste and drop; separates days', async () => {
    const [zoe, yan] = await Promise.all([web.newPage('zoe'), web.newPage('yan')]);
    await Promise.all([web.signIn(zoe, 'zoe'), web.signIn(yan, 'yan')]);
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
    const quinn = await web.newPage('quinn');
    await web.blankPage(quinn);
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
    await web.signIn(quinn, 'quinn');
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
  }, 90_000);

  it('shows a second device the chat list, unread counts, group names and members; a read on one device clears the other', async () => {
    const [wes, vic] = await Promise.all([
      ScriptUser.open(web.base, 'wes'),
      ScriptUser.open(web.base, 'vic'),
    ]);
    const phone = await web.newPage('una (phone)');
    await web.signIn(phone, 'una', 'phone');
    const group = await wes.createGroup('Book club', ['una', 'vic']);
    await wes.text({ group: String(group.id) }, 'Welcome to the club');
    for (const body of ['v1', 'v2', 'v3']) await vic.text({ to: 'una' }, body);
    const phoneVic = phone.locator('[data-conversation="u:vic"]');
    await eventually(() => phoneVic.getByTestId('unread-count').textContent()).toBe('3');

    // A new device of una: the chat list comes from the server.
    const laptop = await web.newPage('una (laptop)');
    await web.signIn(laptop, 'una', 'laptop');
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
  }, 90_000);
});
