/** Error codes of the stream processors and the silences they apply (docs/errors.md). */
import { defineErrorCatalog } from '@ipmi-monitor/runtime';

export const streamsErrors = defineErrorCatalog('STR_', {
  STR_SILENCE_INVALID: {
    retriable: false,
    status: 400,
    doc: 'A silence request was refused: no server, no comment, an end not after its start or already past, or a duration that does not read like 30m, 2h or 7d. The message says which.',
  },
  STR_SILENCE_UNKNOWN: {
    retriable: false,
    status: 404,
    doc: 'No silence in force has this id (it never existed, was lifted or has ended).',
  },
});
