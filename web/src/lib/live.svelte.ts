/**
 * The live feed: the API's server-sent events (through the UI server), one EventSource per page
 * that wants it. Each message is a pipeline event (reading batch, SEL entry, alert, insight,
 * server change...) named by its type. After a short drop the browser reconnects by itself; a
 * source it gave up on (an HTTP error from the UI server, e.g. while the API restarts) is opened
 * again after a backoff (`retryDelay`). Events sent while the feed was down are not replayed, so
 * pages reload what they show when it comes back (`onReconnect`). `status` says whether the feed
 * is up; it is 'off' only before `start()` and after `stop()`.
 */
import { retryDelay } from './live-retry';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'off';

export interface LiveMessage {
  type: string;
  id: string;
  data: Record<string, unknown>;
}

export class LiveFeed {
  status = $state<LiveStatus>('off');
  received = $state(0);
  #source: EventSource | null = null;
  #running = false;
  /** Open once since start(), or failed once: the next open follows a gap. */
  #gap = false;
  #attempt = 0;
  #retry: ReturnType<typeof setTimeout> | null = null;
  #listeners = new Set<(m: LiveMessage) => void>();
  #reconnectListeners = new Set<() => void>();

  constructor(
    private readonly types: readonly string[],
    private readonly serverId?: string,
  ) {}

  start(): void {
    if (this.#running || typeof EventSource === 'undefined') return;
    this.#running = true;
    this.#gap = false;
    this.#attempt = 0;
    this.status = 'connecting';
    this.#open();
  }

  #open(): void {
    const q = new URLSearchParams();
    for (const t of this.types) q.append('types', t);
    if (this.serverId) q.append('serverId', this.serverId);
    const source = new EventSource(`/api/v1/stream?${q.toString()}`);
    this.#source = source;
    source.onopen = () => {
      if (this.#source !== source) return;
      this.status = 'live';
      this.#attempt = 0;
      const after = this.#gap;
      this.#gap = true;
      if (after) for (const l of this.#reconnectListeners) l();
    };
    source.onerror = () => {
      if (this.#source !== source) return;
      this.#gap = true;
      this.status = 'reconnecting';
      if (source.readyState !== EventSource.CLOSED) return; // the browser retries by itself
      source.close();
      this.#source = null;
      this.#retry = setTimeout(() => {
        this.#retry = null;
        if (this.#running) this.#open();
      }, retryDelay(this.#attempt++));
    };
    for (const type of this.types) {
      source.addEventListener(type, (e) => {
        const ev = e as MessageEvent<string>;
        let data: Record<string, unknown>;
        try {
          data = JSON.parse(ev.data) as Record<string, unknown>;
        } catch {
          return;
        }
        this.received += 1;
        for (const l of this.#listeners) l({ type, id: ev.lastEventId, data });
      });
    }
  }

  on(listener: (m: LiveMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Called each time the feed is live again after a drop (events may have been missed). */
  onReconnect(listener: () => void): () => void {
    this.#reconnectListeners.add(listener);
    return () => this.#reconnectListeners.delete(listener);
  }

  stop(): void {
    this.#running = false;
    if (this.#retry !== null) clearTimeout(this.#retry);
    this.#retry = null;
    this.#source?.close();
    this.#source = null;
    this.status = 'off';
  }
}
