#!/usr/bin/env node
// Runs one test layer with Node's test runner: unit (*.unit.test.ts, pure logic),
// int (*.int.test.ts, against the real broker / registry / database / simulators) or
// e2e (*.e2e.test.ts, the whole stack). Test files live beside the code in each
// workspace's src/, and beside the examples they prove in examples/. Prints the runner's
// own summary and records the counts in .state/test-results/<layer>.json so scripts/test.sh
// can print one closing line.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';

const layer = process.argv[2];
const filters = process.argv.slice(3);
if (!['unit', 'int', 'e2e'].includes(layer ?? '')) {
  console.error('usage: run-tests.mjs unit|int|e2e [substring filter...]');
  process.exit(2);
}
const root = new URL('..', import.meta.url).pathname;
const roots = [
  'runtime',
  'db',
  'schemas',
  'ipmi',
  'collector',
  'cli',
  'streams',
  'projections',
  'api',
  'web',
  'infra',
  'bench',
  'examples',
  'test',
];
const suffix = `.${layer}.test.ts`;

function walk(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith(suffix)) out.push(relative(root, p));
  }
  return out;
}

const files = roots
  .flatMap((r) => walk(join(root, r), []))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
const resultsDir = join(root, '.state', 'test-results');
mkdirSync(resultsDir, { recursive: true });
if (files.length === 0) {
  console.log(`${layer}: no test files`);
  writeFileSync(join(resultsDir, `${layer}.json`), JSON.stringify({ pass: 0, fail: 0, files: 0 }));
  process.exit(0);
}

const timeout = { unit: 30_000, int: 300_000, e2e: 600_000 }[layer];
// Unit tests are CPU-bound and independent; integration tests share one broker and
// two cores, so two files at a time keeps them from starving each other's timeouts.
const concurrency = layer === 'unit' ? 2 : 2;
const args = [
  '--import',
  'tsx',
  '--import',
  './scripts/test-exit.mjs',
  '--conditions=ipmi-source',
  '--test',
  `--test-timeout=${timeout}`,
  `--test-concurrency=${concurrency}`,
  '--test-reporter=spec',
  ...files,
];
console.log(`${layer}: ${files.length} file(s)`);
// The whole layer has a budget too, so CI always ends with a verdict instead of being cut
// off at its own limit: past it, every test process is killed and the layer counts as failed.
const budgetMs = { unit: 10, int: 35, e2e: 20 }[layer] * 60_000;
const child = spawn(process.execPath, args, {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
  detached: true,
});
let overBudget = false;
const watchdog = setTimeout(() => {
  overBudget = true;
  console.error(
    `${layer}: still running after ${budgetMs / 60_000} min; killing the test processes`,
  );
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}, budgetMs);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    process.exit(130);
  });
}
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString()).slice(-4000);
});
child.on('close', (code) => {
  clearTimeout(watchdog);
  const count = (name) => Number(new RegExp(`ℹ ${name} (\\d+)`).exec(tail)?.[1] ?? 0);
  const summary = {
    pass: count('pass'),
    fail: count('fail'),
    skipped: count('skipped'),
    files: files.length,
    code,
  };
  // A crash before the summary must not read as success.
  if (code !== 0 && summary.fail === 0) summary.fail = 1;
  if (overBudget) summary.fail = Math.max(summary.fail, 1);
  writeFileSync(join(resultsDir, `${layer}.json`), JSON.stringify(summary));
  process.exit(code ?? 1);
});
