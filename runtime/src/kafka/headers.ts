/** Kafka message headers as the client gives them. */
export type RawHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

/** Headers as strings: the first value of each, decoded as UTF-8. */
export function headersToStrings(headers: RawHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined) continue;
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) out[k] = first.toString();
  }
  return out;
}
