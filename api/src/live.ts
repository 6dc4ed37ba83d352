/**
 * Live updates for `GET /api/v1/stream`: one Kafka consumer per API process, from the
 * topics' current end, fanned out to every connected client. A client that cannot keep up
 * (its queue passes MAX_QUEUE) is dropped with a final `overflow` event rather than growing
 * the process without bound; it reconnects and reloads what it shows.
 */
import { hostname } from 'node:os';
import type { ConsumerHandle, Seam } from '@ipmi-monitor/runtime';
import type { Logger } from '@ipmi-monitor/runtime';

/** What the stream carries: the events of these topics, as they are on the topic. */
export const LIVE_TOPICS = [
  'ipmi.alerts.v1',
  'ipmi.polls.v1',
  'ipmi.insights.v1',
  'ipmi.servers.v1',
] as const;

export interface LiveEvent {
  /** Record type: AlertRaised, PollCompleted, BmcReachabilityChanged, ... */
  type: string;
  topic: string;
  serverId: string | null;
  /** Topic, partition and offset: unique, for the SSE `id`. */
  id: string;
  data: unknown;
}

export interface LiveClient {
  send(e: LiveEvent): void;
  close(reason: string): void;
}

export const MAX_QUEUE = 1000;

export class LiveFeed {
  readonly #clients = new Set<LiveClient>();
  #consumer: ConsumerHandle | null = null;

  get clients(): number {
    return this.#clients.size;
  }

  subscribe(client: LiveClient): () => void {
    this.#clients.add(client);
    return () => this.#clients.delete(client);
  }

  publish(e: LiveEvent): void {
    for (const c of this.#clients) c.send(e);
  }

  /** Starts the one consumer. A fresh group from the end: history is the REST API's job. */
  async start(seam: Seam, logger: Logger): Promise<void> {
    this.#consumer = await seam.consume(
      {
        groupId: `api-live-${hostname()}-${process.pid}`,
        topics: LIVE_TOPICS,
        fromBeginning: false,
        lagIntervalMs: 0,
      },
      (m) => {
        const value = m.event.value as { serverId?: unknown };
        this.publish({
          type: m.event.type,
          topic: m.topic,
          serverId: typeof value.serverId === 'string' ? value.serverId : null,
          id: `${m.topic}:${m.partition}:${m.offset}`,
          data: m.event.value,
        });
        return Promise.resolve();
      },
    );
    logger.debug('live feed consuming');
  }

  /** Resolves once the consumer has its partitions, so events from now on reach clients. */
  async ready(): Promise<void> {
    await this.#consumer?.ready;
  }

  /** Ends every client's stream (they reconnect to another instance, or after the restart). */
  closeClients(reason: string): void {
    for (const c of this.#clients) c.close(reason);
    this.#clients.clear();
  }

  async stop(): Promise<void> {
    this.closeClients('shutting down');
    await this.#consumer?.stop();
  }
}
