/**
 * Regenerates docs/severity.md from the severity rule table (ipmi/src/severity/rules.ts).
 *
 *   npx tsx --conditions=ipmi-source ipmi/scripts/gen-severity-doc.ts            write the file
 *   npx tsx --conditions=ipmi-source ipmi/scripts/gen-severity-doc.ts --check    exit 1 if stale (CI)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderSeverityDoc } from '../src/severity/doc.js';

const target = new URL('../../docs/severity.md', import.meta.url).pathname;

function main(argv: readonly string[]): number {
  const check = argv.includes('--check');
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    process.stderr.write(
      `gen-severity-doc: unknown argument(s) ${unknown.join(' ')}; usage: gen-severity-doc.ts [--check]\n`,
    );
    return 2;
  }
  const content = renderSeverityDoc();
  let current: string | null = null;
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    current = null;
  }
  if (check) {
    if (current !== content) {
      process.stderr.write(
        'gen-severity-doc --check: docs/severity.md is out of date with ipmi/src/severity/rules.ts.\n' +
          'Run `npm run gen --workspace @ipmi-monitor/ipmi` and commit the result.\n',
      );
      return 1;
    }
    process.stdout.write('gen-severity-doc --check: docs/severity.md is up to date\n');
    return 0;
  }
  if (current === content) {
    process.stdout.write('gen-severity-doc: docs/severity.md already up to date\n');
    return 0;
  }
  writeFileSync(target, content);
  process.stdout.write('gen-severity-doc: wrote docs/severity.md\n');
  return 0;
}

process.exitCode = main(process.argv.slice(2));
