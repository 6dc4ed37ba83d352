/**
 * The collector's error codes. A BMC poll that fails ends in exactly one of these codes: the
 * scheduler backs off on retriable ones, and the reachability event carries the code as its
 * reason (timeout, auth, refused, protocol).
 */
import { defineErrorCatalog } from '@ipmi-monitor/runtime';

export const collectorErrors = defineErrorCatalog('COL_', {
  COL_BMC_TIMEOUT: {
    retriable: true,
    doc: 'The BMC did not answer within the deadline (host down, hung, filtered, or busy); the poll is retried with backoff.',
  },
  COL_BMC_AUTH: {
    retriable: false,
    doc: 'The BMC rejected the username, password, K_g or privilege level; fix the server credentials.',
  },
  COL_BMC_REFUSED: {
    retriable: true,
    doc: 'The BMC address could not be used: the host name does not resolve, or the network refused or could not route the packets.',
  },
  COL_BMC_PROTOCOL: {
    retriable: false,
    doc: 'The BMC answered but refused or did not support a command (completion code, cipher suite, IPMI 2.0); check the per-server driver options.',
  },
  COL_TOOL_FAILED: {
    retriable: true,
    doc: 'The IPMI tool failed for a reason the collector does not recognise; its stderr is in the poll outcome.',
  },
  COL_TOOL_MISSING: {
    retriable: false,
    doc: 'The IPMI tool (freeipmi-tools or ipmitool) is not installed or not on PATH.',
  },
  COL_OUTPUT_TOO_LARGE: {
    retriable: false,
    doc: 'The IPMI tool printed more than the output cap; it was killed and its output dropped.',
  },
  COL_INTERNAL: {
    retriable: true,
    doc: 'The collector failed while processing a poll (a bug: the log has the stack). The poll is reported FAILED, the BMC keeps its reachability, and the next poll runs as scheduled.',
  },
  COL_TARGET_INVALID: {
    retriable: false,
    doc: 'A server entry cannot be polled as configured (bad host, port, option, or a password the tool cannot take); the message names the field.',
  },
});

export type CollectorErrorCode = keyof typeof collectorErrors.catalog;
