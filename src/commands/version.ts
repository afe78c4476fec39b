// The package's version, read from the package.json next to src/ or dist/: printed by
// `simdnet --version` and carried by every --json report, so a result names the code that made it.
import { readFileSync } from 'node:fs';

export const SIMDNET_VERSION: string = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
).version;
