/** Lists of column indices (active features, attributed features): one check, one message. */
import { InvalidOptionError } from '../errors.js';

/**
 * Checks a list of column indices: non-empty, distinct integers in `[0, width)`.
 * @param where leads the message, e.g. `shapleyValues`; `name` is the option, e.g. `features`
 * @throws InvalidOptionError `"<where>: <name> must be distinct integers in [0, <width>), got <j> in [<list>]"`
 */
export function checkColumns(columns: readonly number[], width: number, where: string, name: string): void {
  if (!Array.isArray(columns) || columns.length === 0) {
    throw new InvalidOptionError(`${where}: ${name} must not be empty, got ${JSON.stringify(columns)}`, name);
  }
  const seen = new Uint8Array(width);
  for (const j of columns) {
    if (!Number.isInteger(j) || j < 0 || j >= width || seen[j] === 1) {
      throw new InvalidOptionError(`${where}: ${name} must be distinct integers in [0, ${width}), got ${j} in [${columns.join(', ')}]`, name);
    }
    seen[j] = 1;
  }
}
