/**
 * The line loop every parser shares. Policy (a mature collector's): one bad line never costs
 * the good ones. Each line either yields a record, is skipped (blank, header, tool chatter),
 * or becomes a ParseIssue naming its line number; `parseDetailed` returns both, and `parse`
 * throws only when nothing at all parsed (see index.ts).
 */
import { classifyLine, excerpt, splitHostPrefix, type Line } from '../text/lines.js';
import type { ParseIssue, ParseResult, ParsedRecord } from '../types.js';

/** Thrown by a line handler for a line it cannot read; becomes a ParseIssue, never escapes. */
export class LineError extends Error {}

export interface ContentLine {
  readonly line: Line;
  readonly host: string | null;
  /** The line without its host prefix. */
  readonly body: string;
}

/**
 * Yields the lines that may hold records, after dropping blank lines and tool chatter and
 * splitting off host prefixes; tool error messages become IPMI_TOOL_ERROR issues.
 */
export function contentLines(lines: readonly Line[], issues: ParseIssue[]): ContentLine[] {
  // Host prefixes come on every line of a fan-out (or pdsh) output, or on none. Only when
  // most lines carry one is `word: ` read as a host, so that a lone sensor named
  // "CPU1: Temp" in ordinary output is not.
  const kept = lines
    .map((line) => ({ line, cls: classifyLine(line.text) }))
    .filter((l) => l.cls !== 'blank' && l.cls !== 'benign');
  const prefixed = kept.filter(
    (l) => l.cls === 'content' && splitHostPrefix(l.line.text).host !== null,
  );
  const content = kept.filter((l) => l.cls === 'content');
  const hostMode = prefixed.length * 2 > content.length;

  const out: ContentLine[] = [];
  for (const { line, cls: whole } of kept) {
    // A whole-line tool error first: `ipmi-sensors: connection timeout` must not be read as
    // host "ipmi-sensors".
    if (whole === 'tool-error') {
      issues.push(toolIssue(line, null, line.text.trim()));
      continue;
    }
    const { host, body } = hostMode ? splitHostPrefix(line.text) : { host: null, body: line.text };
    if (host !== null) {
      const cls = classifyLine(body);
      if (cls === 'blank' || cls === 'benign') continue;
      if (cls === 'tool-error') {
        issues.push(toolIssue(line, host, body.trim()));
        continue;
      }
    }
    out.push({ line, host, body });
  }
  return out;
}

function toolIssue(line: Line, host: string | null, text: string): ParseIssue {
  return {
    line: line.no,
    code: 'IPMI_TOOL_ERROR',
    message: `line ${line.no}: the tool reported an error${host === null ? '' : ` for ${host}`}: ${excerpt(text, 160)}`,
    host,
    text: excerpt(line.text),
  };
}

export function parseIssue(c: ContentLine, reason: string): ParseIssue {
  return {
    line: c.line.no,
    code: 'IPMI_PARSE_FAILED',
    message: `line ${c.line.no}: ${reason}: ${excerpt(c.line.text, 120)}`,
    host: c.host,
    text: excerpt(c.line.text),
  };
}

/**
 * Runs a handler over content lines. A handler returns a record, or null for a line that is
 * not a record (a header), or throws LineError. Any other exception is a parser bug, but it
 * is still reported as that line's issue rather than escaping uncoded.
 */
export function runLines<R extends ParsedRecord>(
  lines: readonly ContentLine[],
  issues: ParseIssue[],
  handle: (c: ContentLine) => R | null,
): ParseResult<R> {
  const records: R[] = [];
  for (const c of lines) {
    try {
      const r = handle(c);
      if (r !== null) records.push(r);
    } catch (err) {
      const reason =
        err instanceof LineError
          ? err.message
          : `internal parser error (${err instanceof Error ? err.message : String(err)})`;
      issues.push(parseIssue(c, reason));
    }
  }
  issues.sort((a, b) => a.line - b.line);
  return { records, issues };
}
