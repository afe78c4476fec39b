// Fails when a TypeScript file in src/ or assembly/ (generated assembly/abi.ts included) is over
// MAX_LINES lines, naming every such file: long files get split by responsibility. Part of
// `npm run lint`.
//   node --import tsx scripts/check-lines.ts
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAX_LINES = 450;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHECKED = ['src', 'assembly'];

function* typescriptFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* typescriptFiles(path);
    else if (entry.isFile() && entry.name.endsWith('.ts')) yield path;
  }
}

/** Lines as wc -l counts them, plus a last line without its newline. */
function countLines(text: string): number {
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

const tooLong: string[] = [];
for (const dir of CHECKED) {
  for (const path of typescriptFiles(join(ROOT, dir))) {
    const lines = countLines(readFileSync(path, 'utf8'));
    if (lines > MAX_LINES) tooLong.push(`${relative(ROOT, path)}: ${lines} lines`);
  }
}
if (tooLong.length > 0) {
  console.error(`Over ${MAX_LINES} lines (split by responsibility):\n  ${tooLong.join('\n  ')}`);
  process.exitCode = 1;
}
