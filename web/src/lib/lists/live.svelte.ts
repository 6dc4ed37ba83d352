/**
 * A list page's live feed ($lib/live.svelte's LiveFeed): started while the page is shown and
 * stopped when it goes. The API does not replay what happened while a client was away, so
 * after any reconnection the page re-fetches (`onResume`); a feed the browser gave up on (the
 * UI server or the API restarted) is started again after `retryMs`. Call during component init.
 */
import { LiveFeed, type LiveMessage } from '$lib/live.svelte';

export function pageFeed(
  types: readonly string[],
  onMessage: (m: LiveMessage) => void,
  onResume: () => void,
  retryMs = 10_000,
): LiveFeed {
  const feed = new LiveFeed(types);
  let active = false;
  let seenLive = false;
  let retry: ReturnType<typeof setTimeout> | null = null;

  $effect(() => {
    active = true;
    feed.start();
    const off = feed.on(onMessage);
    return () => {
      active = false;
      off();
      feed.stop();
      if (retry !== null) clearTimeout(retry);
      retry = null;
    };
  });

  $effect(() => {
    const status = feed.status;
    if (!active) return;
    if (status === 'live') {
      if (seenLive) onResume();
      seenLive = true;
    } else if (status === 'off' && retry === null) {
      retry = setTimeout(() => {
        retry = null;
        if (!active) return;
        feed.stop();
        feed.start();
      }, retryMs);
    }
  });

  return feed;
}
