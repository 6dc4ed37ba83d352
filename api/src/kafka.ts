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

export async function publish<T extends TopicName>(
  seam: Seam,
  topic: T,
  events: readonly (EventOf<T> & { key?: string })[],
  deadlineMs = KAFKA_DEADLINE_MS,
): Promise<void> {
  const producer = await seam.producer();
  let timer: NodeJS.Timeout | undefined;
  const sent = producer.send(topic, events);
  try {
    await Promise.race([
      sent,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              apiErrors.error(
                'API_UNAVAILABLE',
                `Kafka did not acknowledge within ${deadlineMs} ms; the change may still be applied: check before retrying`,
              ),
            ),
          deadlineMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    // Closing waits for the send; after a timeout it finishes in the background.
    void sent
      .catch(() => undefined)
      .finally(() => producer.close())
      .catch(() => undefined);
  }
}

/** A compacted topic from start to end (configuration, silences), bounded by the deadline. */
export async function readTopic(
  seam: Seam,
  topic: TopicName,
  deadlineMs = KAFKA_DEADLINE_MS,
): Promise<ConsumedEvent[]> {
  await seam.ensureTopics([topic]);
  return seam.readAll(topic, { timeoutMs: deadlineMs });
}
