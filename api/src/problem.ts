/**
 * RFC 9457 problem details: every error response of the API is one of these, with
 * `Content-Type: application/problem+json`. `type` points at /api/v1/problems/<code>, which
 * explains the code (from the error catalog); `code` repeats it for scripts.
 */
import { STATUS_CODES } from 'node:http';
import { apiErrors, type ApiErrorCode } from './errors.js';

export const PROBLEM_TYPE = 'application/problem+json';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  /** Validation and server-definition problems: one per field. */
  errors?: { field: string | null; message: string }[];
  [extension: string]: unknown;
}

export function problemTypeOf(code: string): string {
  return `/api/v1/problems/${code}`;
}

export function problem(
  code: string,
  status: number,
  detail: string,
  extra: Partial<Problem> = {},
): Problem {
  return {
    type: problemTypeOf(code),
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    code,
    ...extra,
  };
}

export function apiProblem(code: ApiErrorCode, detail: string, extra: Partial<Problem> = {}) {
  return problem(code, apiErrors.catalog[code].status, detail, extra);
}
