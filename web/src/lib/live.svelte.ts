/**
 * The live feed: the API's server-sent events (through the UI server), one EventSource per page
 * that wants it. Each message is a pipeline event (reading batch, SEL entry, alert, insight,
 * server change...) named by its type. The browser reconnects by itself and sends the last id,
 * so nothing is missed across a short drop; `status` says whether the feed is up.
 */
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
  #listeners = new Set<(m: LiveMessage) => void>();

  constructor(
    private readonly types: readonly string[],
    private readonly serverId?: string,
  ) {}

  start(): void {
    if (this.#source || typeof EventSource === 'undefined') return;
    const q = new URLSearchParams();
    for (const t of this.types) q.append('types', t);
    if (this.serverId) q.append('serverId', this.serverId);
    const source = new EventSource(`/api/v1/stream?${q.toString()}`);
    this.#source = source;
    this.status = 'connecting';
    source.onopen = () => (this.status = 'live');
    source.onerror = () =>
      (this.status = source.readyState === EventSource.CLOSED ? 'off' : 'reconnecting');
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

  stop(): void {
    this.#source?.close();
    this.#source = null;
    this.status = 'off';
  }
}
