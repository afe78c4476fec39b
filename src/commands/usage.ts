// Shared by every command: bad flags print a usage message and exit with code 2, never a stack trace.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
}

export type Flags = NonNullable<ParseArgsConfig['options']>;

/** What parseFlags returns: each declared flag as a string or boolean, absent when not given. */
export type FlagValues<T extends Flags> = { [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string };

/** parseArgs in strict mode, its errors turned into UsageError. */
export function parseFlags<T extends Flags>(argv: string[], options: T): FlagValues<T> {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as FlagValues<T>;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function integerFlag(name: string, value: string | undefined, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  return n;
}

export function numberFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a number > 0, got ${JSON.stringify(value)}`);
  return n;
}

export function choiceFlag<T extends string>(name: string, value: string | undefined, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!choices.includes(value as T)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

export function layersFlag(value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(',');
  if (parts.length < 2 || parts.some((p) => !/^\d+$/.test(p.trim()) || Number(p) < 1)) {
    throw new UsageError(`--layers must be comma-separated widths ≥ 1 such as 784,128,10, got ${JSON.stringify(value)}`);
  }
  return parts.map(Number);
}
