import type { RequestHandler } from './$types';
import { CSV_TEMPLATE } from '$lib/settings/import-templates';

/** The CSV import template, as a download. */
export const GET: RequestHandler = () =>
  new Response(CSV_TEMPLATE, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': 'attachment; filename="servers-template.csv"',
    },
  });
