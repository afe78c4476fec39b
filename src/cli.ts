#!/usr/bin/env node
// The simdnet command line: one module per command in commands/.
import { setFlagsFromString } from 'node:v8';
import { SimdnetError } from './errors.js';
import { TRAIN_USAGE, trainCommand } from './commands/train.js';
import { UsageError } from './commands/usage.js';
import { SIMDNET_VERSION } from './commands/version.js';

const USAGE = `usage: simdnet <command> [options]
       simdnet -v | --version    print the version
       simdnet -h | --help       print this message
commands:
  train     train a network on MNIST (simdnet train --help)
  compare   train the same models with simdnet and TensorFlow.js and compare them
  profile   break one training step down per kernel
  evaluate  test a saved model: accuracy, per-class precision and recall, confusion matrix, mistakes
              simdnet evaluate MODEL [--data DIR] [--report FILE.html] [--json]
  predict   classify PNG or JPEG pictures of digits with a saved model
              simdnet predict MODEL IMAGE… [--json]
  import    turn a TensorFlow.js / Keras model.json into a simdnet checkpoint
              simdnet import MODEL.json --save FILE.snet
  (MODEL is a checkpoint or a tfjs model.json)

${TRAIN_USAGE}`;

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  train: async () => trainCommand,
  compare: async () => (await import('./commands/compare.js')).compareCommand,
  profile: async () => (await import('./commands/profile.js')).profileCommand,
  evaluate: async () => (await import('./commands/evaluate.js')).evaluateCommand,
  predict: async () => (await import('./commands/predict.js')).predictCommand,
  import: async () => (await import('./commands/import.js')).importCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(`simdnet: missing command\n${USAGE}\n`);
    return 2;
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${SIMDNET_VERSION}\n`);
    return 0;
  }
  const load = COMMANDS[name];
  if (load === undefined) {
    process.stderr.write(`simdnet: unknown command ${JSON.stringify(name)}\n${USAGE}\n`);
    return 2;
  }
  if (name !== 'compare') {
    useSignatureWrappers();
    leaveRoomForTheArena();
  }
  try {
    return await (
      await load()
    )(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`simdnet ${name}: ${err.message}\n(simdnet ${name} --help lists the options)\n`);
      return 2;
    }
    // Data and file errors, bad values, and failed system calls (EACCES, EISDIR, ENOSPC…): a message, no stack.
    const systemError =
      err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && 'syscall' in err;
    if (err instanceof SimdnetError || err instanceof RangeError || err instanceof TypeError || systemError) {
      process.stderr.write(`simdnet ${name}: ${(err as Error).message}\n`);
      return 1;
    }
    throw err;
  }
}

/**
 * Every call from JS into a kernel goes through a JS-to-wasm wrapper; V8's generic one, which
 * reads the signature at run time, serves each export of a new instance (fit instantiates the
 * module over its training arena) until a per-signature wrapper replaces it after 1000 calls,
 * i.e. for the first ~1000 steps. Per-signature wrappers from the start cut the first epoch's
 * main-thread CPU time by 2–4 ms (medians of 11–13 alternating CLI runs in two sessions: 53→49
 * and 50→48 ms on Node 20, 49→45 and 48→44 on 22, 46→43 and 45→42 on 24). Compiling them at the
 * first call instead (--wasm-wrapper-tiering-budget=1, Node 22+), inside the epoch, gained nothing.
 * (The Node loader compiles simdnet's module eagerly itself: src/loader.node.ts.) In this process
 * only; not for compare, which leaves tfjs-backend-wasm's engine settings as they are.
 */
function useSignatureWrappers(): void {
  setFlagsFromString('--no-wasm-generic-wrapper');
}

/**
 * On Node 20 and 22, V8 counts the memory a process allocates outside its heap (ArrayBuffers,
 * WebAssembly memories) since the last full GC against the old generation's limit, which it sets
 * after each full GC at 1.1–4× the heap then live (~5 MB here). fit's training arena (40 MB for
 * 784-10-10 on MNIST) overshoots it, and the first old-space allocation after that, inside the
 * first epoch, ran a full GC: the epoch's slowest step took 5–8 ms in 3 runs of 5 on Node 20
 * (step 48) and 5 of 5 on 22. With a limit of 11× the live heap it took at most 0.7 ms in all 10,
 * for 4 MB more peak RSS (first-epoch medians of 9 alternating CLI runs: 49→45 ms on Node 20,
 * 42→43 on 22, 42→41 on 24, where no full GC fell in the first epoch either way).
 */
function leaveRoomForTheArena(): void {
  setFlagsFromString('--heap-growing-percent=1000');
}

process.exitCode = await main(process.argv.slice(2));
