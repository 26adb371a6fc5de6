/** The package version: read once from package.json (one level up from src/ and from dist/). */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** dadm's version from package.json, or 'unknown' when the file cannot be read. */
export function packageVersion(): string {
  if (cached === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
      cached = pkg.version ?? 'unknown';
    } catch {
      cached = 'unknown';
    }
  }
  return cached;
}
