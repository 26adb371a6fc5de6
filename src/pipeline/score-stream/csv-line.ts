/**
 * CSV rows one line at a time (RFC 4180 fields: commas, double quotes, `""` for a quote inside a
 * quoted field; a record never spans lines), and the header's mapping of a schema's features to columns.
 */
import type { FeatureSchema } from '../../schema/index.js';

/**
 * The fields of one CSV line.
 * @returns the fields, or what is wrong with the line (an unclosed quote, text after a closing quote)
 */
export function splitCsvLine(line: string): string[] | string {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line.charCodeAt(i) === 0x22) {
      let field = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) return `quoted field starting at character ${i + 1} must be closed, got the end of the line`;
        field += line.slice(j, q);
        if (line.charCodeAt(q + 1) === 0x22) {
          field += '"';
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      fields.push(field);
      if (i < line.length && line.charCodeAt(i) !== 0x2c) return `quoted field must be followed by a comma, got ${JSON.stringify(line[i])} at character ${i + 1}`;
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      fields.push(line.slice(i, end));
      i = end;
    }
    if (i >= line.length) return fields;
    i++; // the comma
    if (i === line.length) {
      fields.push('');
      return fields;
    }
  }
}

/**
 * Which column holds each of the schema's active features: by name (other columns are ignored); for
 * a generic schema whose names (f0, f1, ...) the header does not use, the columns in order when there
 * are exactly as many.
 * @returns `[active]` column indices, or what is wrong with the header
 */
export function csvColumns(header: readonly string[], schema: FeatureSchema): Int32Array | string {
  const names = schema.featureNames.slice(0, schema.activeFeatures);
  const index = new Map(header.map((h, k) => [h.trim(), k] as const));
  const columns = Int32Array.from(names, (n) => index.get(n) ?? -1);
  const missing = names.filter((_, j) => columns[j]! < 0);
  if (missing.length === 0) return columns;
  const generic = schema.activeFeatures === schema.dim && missing.length === names.length;
  if (generic && header.length === names.length) return Int32Array.from(names, (_, j) => j);
  const tail = generic ? ` (or exactly ${names.length} columns, taken in order)` : '';
  return `header must name every feature of schema ${schema.name}${tail}, got no column ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? `, ... (${missing.length} missing)` : ''}`;
}
