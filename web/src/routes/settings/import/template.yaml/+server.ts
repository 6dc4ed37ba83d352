import type { RequestHandler } from './$types';
import { YAML_TEMPLATE } from '$lib/settings/import-templates';

/** The YAML import template, as a download. */
export const GET: RequestHandler = () =>
  new Response(YAML_TEMPLATE, {
    headers: {
      'content-type': 'application/yaml; charset=utf-8',
      'content-disposition': 'attachment; filename="servers-template.yaml"',
    },
  });
