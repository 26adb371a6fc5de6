/** Lists of column indices (active features, attributed features): one check, one message. */
import { InvalidOptionError } from '../errors.js';

/** Who checks a column list and what the list is called, for the message and InvalidOptionError.option. */
export interface ColumnsLabel {
  /** Leads the message, e.g. `shapleyValues`. */
  where: string;
  /** The option, e.g. `features`. */
  name: string;
}

/**
 * Checks a list of column indices: non-empty, distinct integers in `[0, width)`.
 * @throws InvalidOptionError `"<where>: <name> must be distinct integers in [0, <width>), got <j> in [<list>]"`
 */
export function checkColumns(columns: readonly number[], width: number, label: ColumnsLabel): void {
  const { where, name } = label;
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
