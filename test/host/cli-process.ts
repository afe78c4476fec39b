// How the host tests run the `simdnet` command: its TypeScript source through tsx's loader, so
// the tests never run a stale dist/.
//
// --no-concurrent-recompilation: on Node 20 (V8 11.3), a CLI process run this way hung at exit in
// about 1 run of 100–150 on a loaded machine (seen in CI): a background TurboFan job waited for a
// garbage collection (CollectionBarrier::AwaitCollectionBackground) that the main thread, already
// draining the platform's tasks at exit (NodePlatform::DrainTasks), never ran (gdb on the hung
// process). It took tsx's loader thread and the CLI's eager WebAssembly flags together: 0 hangs in
// 750 runs of the built dist/cli.js (one thread and two), 0 in 300 without the flags, and 0 in 450
// with JS functions optimized on the main thread, which this flag asks for. It changes when V8
// optimizes the CLI's JavaScript, not what the command does.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const NODE_ARGS = ['--no-concurrent-recompilation', '--import', 'tsx', CLI];

/** Runs `simdnet …args` to completion (two minutes at most): exit code, stdout and stderr. */
export function runCli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  return runCliUnder([], ...args);
}

/** runCli with node's own `flags` too (e.g. --trace-gc). */
export function runCliUnder(
  flags: readonly string[],
  ...args: string[]
): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [...flags, ...NODE_ARGS, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Starts `simdnet …args` with piped output. */
export function startCli(...args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [...NODE_ARGS, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
}
