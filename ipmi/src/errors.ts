import { defineErrorCatalog, hasCode, type CodedError } from '@ipmi-monitor/runtime';

/**
 * Codes of the IPMI package. Parsing never throws anything else: a parser that meets input
 * it cannot read reports IPMI_PARSE_FAILED (naming the line), never a TypeError.
 */
export const ipmiErrors = defineErrorCatalog('IPMI_', {
  IPMI_UNKNOWN_FORMAT: {
    retriable: false,
    status: 400,
    doc: 'The output format named for parsing is not one the parsers know; the message lists the known formats.',
  },
  IPMI_PARSE_FAILED: {
    retriable: false,
    status: 422,
    doc: 'Tool output could not be parsed; the message names the first line that was not understood. Lines that did parse are kept (see parseDetailed).',
  },
  IPMI_TOOL_ERROR: {
    retriable: false,
    status: 422,
    doc: 'The tool output holds only error messages of the tool itself (e.g. `ipmi-sensors: connection timeout`), no records; the message quotes the first one.',
  },
  IPMI_OVERRIDES_INVALID: {
    retriable: false,
    status: 400,
    doc: 'The operator severity override file is malformed or names an unknown field, sensor type, state or severity; the message names the line or rule.',
  },
});

export type IpmiErrorCode = keyof typeof ipmiErrors.catalog;
export type IpmiError = CodedError<IpmiErrorCode>;

export function isIpmiError(err: unknown): err is IpmiError {
  return hasCode(err) && err.code.startsWith(ipmiErrors.prefix) && err.code in ipmiErrors.catalog;
}
