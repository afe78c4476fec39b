// Compiles every target of asconfig.json (build/simdnet.<target>.wasm and .wat), as many at once
// as the machine has cores: each asc run is one busy core, and five in a row made `npm ci` wait.
// Part of `npm run build:wasm`, after scripts/abi.ts.
//   node --import tsx scripts/build-wasm.ts
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// Not in assemblyscript's exports map, so by path: the asc command's own script.
const ASC = join(ROOT, 'node_modules', 'assemblyscript', 'bin', 'asc.js');
const targets = Object.keys(
  (JSON.parse(readFileSync(new URL('../asconfig.json', import.meta.url), 'utf8')) as { targets: object }).targets,
);

/** Runs asc for `target`; its output is printed when it ends, so parallel runs do not interleave. */
function compile(target: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ASC, '--config', 'asconfig.json', '--target', target], { cwd: ROOT });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      process.stdout.write(output);
      if (code === 0) resolve();
      else reject(new Error(`asc --target ${target} failed (${signal ?? `exit code ${code}`})`));
    });
  });
}

const queue = [...targets];
await Promise.all(
  Array.from({ length: Math.min(availableParallelism(), queue.length) }, async () => {
    for (let target = queue.shift(); target !== undefined; target = queue.shift()) await compile(target);
  }),
);
console.log(`built ${targets.join(', ')}`);
