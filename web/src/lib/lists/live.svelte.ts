/**
 * A list page's live feed ($lib/live.svelte's LiveFeed): started while the page is shown and
 * stopped when it goes. The API does not replay what happened while a client was away, so
 * after any reconnection (the feed re-opens itself after a drop) the page re-fetches
 * (`onResume`). Call during component init.
 */
import { LiveFeed, type LiveMessage } from '$lib/live.svelte';

export function pageFeed(
  types: readonly string[],
  onMessage: (m: LiveMessage) => void,
  onResume: () => void,
): LiveFeed {
  const feed = new LiveFeed(types);

  $effect(() => {
    const off = feed.on(onMessage);
    const offResume = feed.onReconnect(onResume);
    feed.start();
    return () => {
      off();
      offResume();
      feed.stop();
    };
  });

  return feed;
}
