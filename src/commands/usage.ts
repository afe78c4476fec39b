// Shared by every command: bad flags print a usage message and exit with code 2, never a stack trace.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
}

export type Flags = NonNullable<ParseArgsConfig['options']>;

/** What parseFlags returns: each declared flag as a string or boolean, absent when not given. */
export type FlagValues<T extends Flags> = { [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string };

/** A negative number given as a flag's value: `--lr -1`, `--seed -.5`, `--lr -1e-3`. */
const NEGATIVE_NUMBER = /^-\.?\d/;

/**
 * parseArgs in strict mode, its errors turned into UsageError. parseArgs refuses `--lr -1` as
 * "ambiguous" (the value could be a flag); a negative number after a flag that takes a value is
 * joined to it (`--lr=-1`) so that the flag's own check refuses it with a message naming the flag.
 */
export function parseFlags<T extends Flags>(argv: string[], options: T): FlagValues<T> {
  return parseCommandLine(argv, options, false).values;
}

/** parseFlags with positional arguments allowed (MODEL, IMAGE…). */
export function parseFlagsAndArguments<T extends Flags>(
  argv: string[],
  options: T,
): { values: FlagValues<T>; positionals: string[] } {
  return parseCommandLine(argv, options, true);
}

function parseCommandLine<T extends Flags>(
  argv: string[],
  options: T,
  allowPositionals: boolean,
): { values: FlagValues<T>; positionals: string[] } {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!,
      next = argv[i + 1];
    const joined =
      arg.startsWith('--') &&
      options[arg.slice(2)]?.type === 'string' &&
      next !== undefined &&
      NEGATIVE_NUMBER.test(next);
    if (joined) i++;
    args.push(joined ? `${arg}=${next}` : arg);
  }
  try {
    const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals });
    return { values: values as FlagValues<T>, positionals };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** A decimal number as people type it: 32, -1, 0.001, .5, 1e-3. Not hex, not Infinity, not blank. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** An integer in [min, max] (1e3 is 1000); without `max`, any safe integer from `min` on. */
export function integerFlag(
  name: string,
  value: string | undefined,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const isNumber = DECIMAL.test(value.trim());
  if (isNumber && n > max)
    throw new UsageError(
      `--${name} must be an integer ≤ ${max === Number.MAX_SAFE_INTEGER ? '2⁵³ − 1' : max}, got ${JSON.stringify(value)}`,
    );
  if (!isNumber || !Number.isInteger(n) || n < min) {
    throw new UsageError(
      `--${name} must be an integer ${max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in [${min}, ${max}]`}, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

/** The largest finite float32: the kernels take rates as f32, and a larger value would arrive as Infinity. */
const F32_MAX = 3.4028234663852886e38;

export function numberFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!DECIMAL.test(value.trim()) || n <= 0)
    throw new UsageError(`--${name} must be a number > 0, got ${JSON.stringify(value)}`);
  if (Math.fround(n) === 0)
    throw new UsageError(`--${name} must be a number > 0, got ${JSON.stringify(value)}, which is 0 as a float32`);
  if (n > F32_MAX)
    throw new UsageError(
      `--${name} must be a number ≤ ${F32_MAX.toPrecision(5)} (the largest float32), got ${JSON.stringify(value)}`,
    );
  return n;
}

export function choiceFlag<T extends string>(
  name: string,
  value: string | undefined,
  choices: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!choices.includes(value as T))
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

export function layersFlag(value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(',');
  if (parts.length < 2 || parts.some((p) => !/^\d+$/.test(p.trim()) || Number(p) < 1)) {
    throw new UsageError(
      `--layers must be comma-separated widths ≥ 1 such as 784,128,10, got ${JSON.stringify(value)}`,
    );
  }
  return parts.map(Number);
}
