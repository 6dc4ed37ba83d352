/**
 * `ipmi-monitor parse <format>`: one tool's output in, one JSON object per record out (JSON
 * lines, input order, each with its 1-based `line`). The binary wires stdin/stdout/stderr
 * around this function; it does no I/O itself.
 */
import { ipmiErrors } from '../errors.js';
import { FORMATS, isFormat, parseDetailed, type ParseOptions } from '../parse/index.js';

export interface ParseCommandOptions extends ParseOptions {
  /** Called once per line that did not parse (records of the other lines are still printed); the CLI writes these to stderr. */
  readonly onIssue?: (message: string) => void;
}

/**
 * Parses `input` as `format` and returns JSON lines (newline-terminated, empty for no
 * records). Throws IPMI_UNKNOWN_FORMAT (listing the known formats) for an unknown format,
 * and IPMI_PARSE_FAILED / IPMI_TOOL_ERROR when the input held lines but none parsed.
 */
export function runParseCommand(
  format: string,
  input: string,
  options: ParseCommandOptions = {},
): string {
  if (!isFormat(format)) {
    throw ipmiErrors.error(
      'IPMI_UNKNOWN_FORMAT',
      `unknown format "${format}"; known formats: ${FORMATS.join(', ')}`,
    );
  }
  const { records, issues } = parseDetailed(format, input, options);
  for (const issue of issues) options.onIssue?.(issue.message);
  if (records.length === 0 && issues.length > 0) {
    const parseFailure = issues.find((i) => i.code === 'IPMI_PARSE_FAILED');
    const first = parseFailure ?? issues[0];
    throw ipmiErrors.error(
      parseFailure ? 'IPMI_PARSE_FAILED' : 'IPMI_TOOL_ERROR',
      `${format}: nothing parsed; ${first?.message ?? ''}`,
    );
  }
  return records.map((r) => `${JSON.stringify(r)}\n`).join('');
}

/** One-line usage for `ipmi-monitor parse` (for the binary's help text). */
export const PARSE_USAGE = `usage: ipmi-monitor parse <format> < output.txt\nformats: ${FORMATS.join(', ')}`;
