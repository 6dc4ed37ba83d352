import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { renderSeverityDoc } from './doc.js';
import { SEVERITY_RULES } from './rules.js';

test('docs/severity.md is generated from the rule table and up to date', () => {
  const committed = readFileSync(new URL('../../../docs/severity.md', import.meta.url), 'utf8');
  const fresh = renderSeverityDoc();
  assert.ok(
    committed === fresh,
    'docs/severity.md is stale: run `npm run gen --workspace @ipmi-monitor/ipmi`',
  );
  for (const r of SEVERITY_RULES) assert.ok(fresh.includes(`\`${r.id}\``), r.id);
});
