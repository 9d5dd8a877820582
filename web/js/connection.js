/**
 * One WebSocket to the node, kept up: reconnects with exponential backoff
 * and full jitter (delay uniform in [0, min(30 s, 0.5 s × 2^attempt))), the
 * attempt count reset by each `welcome`; a `ping` every 25 s, and a
 * connection without a `pong` 10 s later is given up (close 4000) and
 * replaced. Reconnecting is the whole resume protocol: the server replays
 * what this device has not acked.
 *
 * Never reconnects by itself after close code 4001 ("replaced": the same
 * user and device connected elsewhere, e.g. another tab): doing so would
 * replace that session in turn, and the two would take turns forever. It
 * says `replaced` instead; `start()` (the person's choice) connects again.
 *
 * Events (an EventTarget): `status` (detail `{ state, retryMs?, reason? }`,
 * state one of `connecting`, `online`, `offline`, `replaced`, `stopped`),
 * `frame` (detail: the parsed server frame), `open` (after `welcome`).
 */

const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30_000;
const PING_EVERY_MS = 25_000;
const PONG_WITHIN_MS = 10_000;
/** The server's close code for a session replaced by a newer one of the same device. */
export const CLOSE_REPLACED = 4001;

export class Connection extends EventTarget {
  /**
   * @param {() => Promise<string>} url the `ws(s)://…/ws?token=…` to dial;
   *   asked before every attempt, so the token can be renewed.
   */
  constructor(url) {
    super();
    this.url = url;
    this.ws = null;
    this.state = 'offline';
    this.attempt = 0;
    this.stopped = true;
    this.retryTimer = undefined;
    this.pingTimer = undefined;
    this.pongTimer = undefined;
    /** True once the current socket said `welcome`; false attempts renew the token. */
    this.welcomed = false;
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    void this.dial();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.clearHeartbeat();
    const ws = this.ws;
    this.ws = null;
    if (ws !== null) ws.close(1000, 'signed out');
    this.setState('stopped');
  }

  /** Reconnects now (e.g. the browser came back online), skipping the backoff. */
  retryNow() {
    if (this.stopped || this.ws !== null) return;
    clearTimeout(this.retryTimer);
    void this.dial();
  }

  /** Whether frames can be sent now (the socket is open and welcomed). */
  get online() {
    return this.state === 'online';
  }

  /** Sends a frame; false when not connected (the caller keeps what must not be lost). */
  send(frame) {
    if (this.ws === null || this.ws.readyState !== WebSocket.OPEN || !this.welcomed) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  async dial() {
    this.setState('connecting');
    let url;
    try {
      url = await this.url(this.attempt > 0 && !this.welcomed);
    } catch {
      // No token now (the server is down or restarting): just try again later.
      this.scheduleRetry();
      return;
    }
    if (this.stopped) return;
    const ws = new WebSocket(url);
    this.ws = ws;
    this.welcomed = false;
    ws.addEventListener('message', (event) => {
      if (this.ws !== ws) return;
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (frame === null || typeof frame !== 'object') return;
      if (frame.type === 'welcome') {
        this.welcomed = true;
        this.attempt = 0;
        this.setState('online');
        this.startHeartbeat();
        this.dispatchEvent(new CustomEvent('open', { detail: frame }));
      } else if (frame.type === 'pong') {
        clearTimeout(this.pongTimer);
      }
      this.dispatchEvent(new CustomEvent('frame', { detail: frame }));
    });
    ws.addEventListener('close', (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.clearHeartbeat();
      if (this.stopped) return;
      if (event.code === CLOSE_REPLACED) {
        this.stopped = true;
        this.attempt = 0;
        this.setState('replaced', undefined, event.reason);
        return;
      }
      this.scheduleRetry();
    });
  }

  scheduleRetry() {
    const ceilingMs = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** this.attempt);
    const retryMs = Math.floor(Math.random() * ceilingMs);
    this.attempt = Math.min(this.attempt + 1, 16);
    this.setState('offline', retryMs);
    this.retryTimer = setTimeout(() => {
      if (!this.stopped) void this.dial();
    }, retryMs);
  }

  startHeartbeat() {
    this.clearHeartbeat();
    this.pingTimer = setInterval(() => {
      if (!this.send({ type: 'ping' })) return;
      clearTimeout(this.pongTimer);
      this.pongTimer = setTimeout(() => this.ws?.close(4000, 'no pong'), PONG_WITHIN_MS);
    }, PING_EVERY_MS);
  }

  clearHeartbeat() {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
  }

  setState(state, retryMs, reason) {
    this.state = state;
    this.dispatchEvent(new CustomEvent('status', { detail: { state, retryMs, reason } }));
  }
}
