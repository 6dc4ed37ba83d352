/** Error codes of the projections into the database (docs/errors.md). */
import { defineErrorCatalog } from '@ipmi-monitor/runtime';

export const projectionErrors = defineErrorCatalog('PRJ_', {
  PRJ_NO_PROJECTION: {
    retriable: false,
    doc: 'A batch came from a topic no projection reads, or `rebuild` was given a name that is not a projection; the message lists the known ones.',
  },
});
