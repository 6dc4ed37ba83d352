/**
 * The JSON shape of our `.avsc` files, as embedded in `schemaSources`. Narrower than Avro in
 * general on purpose: the generator rejects anything our contracts do not use (unions other
 * than `["null", T]`, bytes, fixed), so consumers only ever meet these shapes.
 */

export type AvroPrimitive = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'string';

/**
 * A primitive name (an {@link AvroPrimitive}) or a reference to a named type defined earlier in
 * the same schema, or a complex type.
 */
export type AvroSchema =
  | string
  | AvroSchema[]
  | AvroRecordSchema
  | AvroEnumSchema
  | AvroArraySchema
  | AvroMapSchema
  | AvroLogicalSchema;

export interface AvroField {
  name: string;
  type: AvroSchema;
  default?: unknown;
  doc: string;
}

export interface AvroRecordSchema {
  type: 'record';
  name: string;
  namespace?: string;
  doc: string;
  fields: AvroField[];
}

export interface AvroEnumSchema {
  type: 'enum';
  name: string;
  namespace?: string;
  doc: string;
  symbols: string[];
  /** Symbol a reader substitutes for a symbol it does not know (Avro 1.9+ enum default). */
  default: string;
}

export interface AvroArraySchema {
  type: 'array';
  items: AvroSchema;
}

export interface AvroMapSchema {
  type: 'map';
  values: AvroSchema;
}

/** A logical type over a primitive; we use `timestamp-millis` on `long` (UTC epoch ms, a `number` in TS). */
export interface AvroLogicalSchema {
  type: 'long' | 'int';
  logicalType: string;
}
