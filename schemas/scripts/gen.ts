/**
 * Regenerates the TS types and docs/events.md from schemas/avro/*.avsc and src/topics.ts.
 *
 *   npx tsx schemas/scripts/gen.ts            write the files
 *   npx tsx schemas/scripts/gen.ts --check    exit 1 if a file is stale (CI)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { findStale, generate, repoRoot, SchemaError } from './generate.js';

function main(argv: readonly string[]): number {
  const check = argv.includes('--check');
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    process.stderr.write(
      `gen: unknown argument(s) ${unknown.join(' ')}; usage: gen.ts [--check]\n`,
    );
    return 2;
  }

  let files;
  try {
    files = generate();
  } catch (err) {
    if (err instanceof SchemaError) {
      process.stderr.write(`gen: ${err.message}\n`);
      return 1;
    }
    throw err;
  }

  const stale = findStale(files);
  if (check) {
    if (stale.length > 0) {
      process.stderr.write(
        `gen --check: generated files are out of date with schemas/avro and src/topics.ts:\n` +
          stale.map((p) => `  - ${p}\n`).join('') +
          'Run `npm run gen` and commit the result.\n',
      );
      return 1;
    }
    process.stdout.write(`gen --check: ${files.length} generated files are up to date\n`);
    return 0;
  }

  for (const file of files) {
    if (!stale.includes(file.path)) continue;
    const target = join(repoRoot, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
  }
  process.stdout.write(
    stale.length > 0
      ? `gen: wrote ${stale.join(', ')}\n`
      : `gen: ${files.length} generated files already up to date\n`,
  );
  return 0;
}

process.exitCode = main(process.argv.slice(2));
