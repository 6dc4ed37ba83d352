/**
 * Server import files in YAML, read with the `yaml` package (YAML 1.2, core schema) into a
 * small tree that keeps line numbers, so the importer can say "line 14: port must be
 * 1-65535". Anchors, aliases and tags are refused: an import file is data an operator
 * reviews line by line, and those features make a line mean something defined elsewhere.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';

export interface YamlScalar {
  readonly kind: 'scalar';
  readonly line: number;
  readonly value: string | number | boolean | null;
  /** Source text of a plain scalar, the string of a quoted one. */
  readonly raw: string;
  readonly quoted: boolean;
}

export interface YamlMapEntry {
  readonly key: string;
  readonly line: number;
  readonly value: YamlNode;
}

export interface YamlMap {
  readonly kind: 'map';
  readonly line: number;
  readonly entries: readonly YamlMapEntry[];
}

export interface YamlSeq {
  readonly kind: 'seq';
  readonly line: number;
  readonly items: readonly YamlNode[];
}

export type YamlNode = YamlScalar | YamlMap | YamlSeq;

export class YamlDocError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'YamlDocError';
  }
}

/** Parses one YAML document; null for an empty one. Throws YamlDocError with the line. */
export function parseYamlDoc(source: string): YamlNode | null {
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines, schema: 'core', uniqueKeys: true });
  const lineOf = (offset: number | undefined) =>
    offset === undefined ? 1 : lines.linePos(offset).line;
  const problem = doc.errors[0];
  if (problem) {
    // The library's message ends with its own "at line L, column C:" (and an excerpt on the
    // next lines); the line is reported separately, so keep only the sentence.
    const first = problem.message.split('\n')[0] ?? 'invalid YAML';
    throw new YamlDocError(
      lineOf(problem.pos[0]),
      first.replace(/ at line \d+, column \d+:?$/, ''),
    );
  }

  const convert = (node: unknown, fallbackLine: number): YamlNode => {
    const n = node as Node | null;
    const line = n?.range ? lineOf(n.range[0]) : fallbackLine;
    if (n === null || n === undefined) {
      return { kind: 'scalar', line, value: null, raw: '', quoted: false };
    }
    if (isAlias(n)) throw new YamlDocError(line, 'aliases are not allowed in an import file');
    if (n.anchor) throw new YamlDocError(line, 'anchors are not allowed in an import file');
    if (n.tag && !n.tag.startsWith('tag:yaml.org,2002:')) {
      throw new YamlDocError(line, 'tags are not allowed in an import file');
    }
    if (isScalar(n)) {
      const v = n.value;
      if (!(v === null || ['string', 'number', 'boolean'].includes(typeof v))) {
        throw new YamlDocError(line, 'unsupported value type');
      }
      const value = v as string | number | boolean | null;
      const quoted = n.type === 'QUOTE_DOUBLE' || n.type === 'QUOTE_SINGLE';
      const raw = n.source ?? (value === null ? '' : String(value));
      return { kind: 'scalar', line, value, raw, quoted };
    }
    if (isSeq(n)) return { kind: 'seq', line, items: n.items.map((i) => convert(i, line)) };
    if (isMap(n)) {
      return {
        kind: 'map',
        line,
        entries: n.items.map((pair) => {
          const k = pair.key as Node | null;
          const keyLine = k?.range ? lineOf(k.range[0]) : line;
          const key = isScalar(k) ? k.value : null;
          if (typeof key !== 'string' && typeof key !== 'number') {
            throw new YamlDocError(keyLine, 'keys must be plain words');
          }
          return { key: String(key), line: keyLine, value: convert(pair.value, keyLine) };
        }),
      };
    }
    throw new YamlDocError(line, 'unsupported YAML node');
  };
  return doc.contents === null ? null : convert(doc.contents, 1);
}
