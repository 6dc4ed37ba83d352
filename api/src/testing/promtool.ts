/** `promtool check metrics` for tests: its problem lines, and the one /metrics may draw. */
import { spawn } from 'node:child_process';

export const PROMTOOL = '/usr/bin/promtool';

/** The one lint line /metrics draws: ipmi_exporter's own name for the SEL count (exporter.ts). */
export const ALLOWED_LINT =
  'ipmi_sel_logs_count non-histogram and non-summary metrics should not have "_count" suffix';

/** Runs promtool on an exposition; resolves with its exit code and problem lines. */
export function promtoolCheck(text: string): Promise<{ code: number; problems: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('error', reject);
    child.once('close', (code) =>
      resolve({
        code: code ?? -1,
        problems: out
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l !== ''),
      }),
    );
    child.stdin.end(text);
  });
}
