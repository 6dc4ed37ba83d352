/**
 * The API's writes to Kafka, with a deadline. The seam's producer never gives up on a batch
 * (its idempotence needs that), so a request would hang for as long as the broker is away;
 * the API answers 503 after KAFKA_DEADLINE_MS instead. The send may still complete after
 * that, so the problem says to check before retrying (a retried create then gets 409, a
 * retried PATCH publishes nothing).
 */
import type { ConsumedEvent, Seam } from '@ipmi-monitor/runtime';
import type { EventOf, TopicName } from '@ipmi-monitor/schemas';
import { apiErrors } from './errors.js';

export const KAFKA_DEADLINE_MS = 15_000;

/** `work`, or API_UNAVAILABLE once `ms` pass first (`work` itself goes on). Pure. */
export async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              apiErrors.error(
                'API_UNAVAILABLE',
                `${what} did not complete within ${ms} ms; it may still be applied: check before retrying`,
              ),
            ),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export async function publish<T extends TopicName>(
  seam: Seam,
  topic: T,
  events: readonly (EventOf<T> & { key?: string })[],
  deadlineMs = KAFKA_DEADLINE_MS,
): Promise<void> {
  const producer = await seam.producer();
  const sent = producer.send(topic, events);
  // Closing waits for the send; after a timeout it finishes in the background.
  const closed = sent.finally(() => producer.close());
  closed.catch(() => undefined);
  await withDeadline(sent, deadlineMs, `the Kafka write to ${topic}`);
  await closed;
}

/**
 * A compacted topic from start to end (configuration, silences), bounded by the deadline.
 * The topic exists: the service creates it at start.
 */
export function readTopic(
  seam: Seam,
  topic: TopicName,
  deadlineMs = KAFKA_DEADLINE_MS,
): Promise<ConsumedEvent[]> {
  return seam.readAll(topic, { timeoutMs: deadlineMs });
}
