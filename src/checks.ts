// The argument checks behind the kernel wrappers (kernels.ts), for one arena: each names the
// function and the argument, and both shapes where two must agree. TypeError for the wrong kind
// of argument, RangeError for a wrong size or value.
import type { Arena } from './arena.js';
import { Tensor, formatShape, type DType } from './tensor.js';

/** Tensors with the names errors call them by. */
export type NamedTensors = ReadonlyArray<readonly [name: string, tensor: Tensor]>;

function describe(t: Tensor): string {
  return `${t.name} ${formatShape(t.shape)}`;
}

function overlaps(a: Tensor, b: Tensor): boolean {
  return a.offset < b.offset + b.byteLength && b.offset < a.offset + a.byteLength;
}

function sameRegion(a: Tensor, b: Tensor): boolean {
  return a.offset === b.offset && a.byteLength === b.byteLength;
}

export class Checks {
  constructor(private readonly arena: Arena) {}

  /** Checks that `t` is a live tensor of this arena with the given dtype and rank, inside the arena. */
  tensor(fn: string, arg: string, t: unknown, dtype: DType, rank?: number): Tensor {
    if (!(t instanceof Tensor))
      throw new TypeError(`${fn}: ${arg} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
    if (t.arena !== this.arena) throw new TypeError(`${fn}: ${arg} (${describe(t)}) belongs to another arena`);
    this.arena.checkLive(`arena.kernels.${fn}`);
    if (t.dtype !== dtype) throw new TypeError(`${fn}: ${arg} must be ${dtype}, got ${t.dtype} (${describe(t)})`);
    if (rank !== undefined && t.shape.length !== rank) {
      throw new RangeError(`${fn}: ${arg} must have rank ${rank}, got ${describe(t)}`);
    }
    const align = dtype === 'u8' ? 1 : 4;
    if (
      !Number.isSafeInteger(t.offset) ||
      t.offset < this.arena.start ||
      t.offset + t.byteLength > this.arena.end ||
      t.offset % align !== 0
    ) {
      throw new RangeError(
        `${fn}: ${arg} (${describe(t)}) spans bytes [${t.offset}, ${t.offset + t.byteLength}), outside the arena [${this.arena.start}, ${this.arena.end}) or misaligned`,
      );
    }
    return t;
  }

  sameShape(fn: string, a: Tensor, aName: string, b: Tensor, bName: string): void {
    if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
      throw new RangeError(
        `${fn}: ${aName} ${formatShape(a.shape)} and ${bName} ${formatShape(b.shape)} must have the same shape`,
      );
    }
  }

  /** Output may be the very same region as the input, or disjoint from it; never partly overlapping. */
  aliasOrDisjoint(fn: string, out: Tensor, outName: string, inp: Tensor, inpName: string): void {
    if (overlaps(out, inp) && !sameRegion(out, inp)) {
      throw new RangeError(
        `${fn}: ${outName} ${formatShape(out.shape)} partly overlaps ${inpName} ${formatShape(inp.shape)}; use the same buffer or disjoint ones`,
      );
    }
  }

  /** Each output disjoint from the outputs after it and from every input (inputs may share memory). */
  outputsApart(fn: string, outputs: NamedTensors, inputs: NamedTensors): void {
    outputs.forEach(([name, t], i) => {
      for (const [otherName, other] of [...outputs.slice(i + 1), ...inputs])
        this.disjoint(fn, t, name, other, otherName);
    });
  }

  disjoint(fn: string, a: Tensor, aName: string, b: Tensor, bName: string): void {
    if (overlaps(a, b))
      throw new RangeError(`${fn}: ${aName} ${formatShape(a.shape)} must not overlap ${bName} ${formatShape(b.shape)}`);
  }

  indicesInRange(fn: string, arg: string, t: Tensor, limit: number, what: string): void {
    const values = t.view() as Int32Array | Uint8Array;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v < 0 || v >= limit)
        throw new RangeError(`${fn}: ${arg}[${i}] = ${v} is not a valid ${what} (0 ≤ value < ${limit})`);
    }
  }

  finite(fn: string, name: string, value: unknown, min = -Infinity): number {
    if (typeof value !== 'number') throw new TypeError(`${fn}: ${name} must be a number, got ${typeof value}`);
    if (!Number.isFinite(value) || value < min)
      throw new RangeError(`${fn}: ${name} must be a finite number ≥ ${min}, got ${value}`);
    return value;
  }

  /** A layer's weights [inputs, outputs] and bias [outputs] against its input width and output width. */
  denseParameters(fn: string, weights: unknown, bias: unknown, inputs: number, outputs: number, what: string): void {
    const W = this.tensor(fn, 'weights', weights, 'f32', 2);
    if (W.shape[0] !== inputs || W.shape[1] !== outputs) {
      throw new RangeError(
        `${fn}: weights ${formatShape(W.shape)} must be ${formatShape([inputs, outputs])} for ${what}`,
      );
    }
    if (bias !== undefined) {
      const b = this.tensor(fn, 'bias', bias, 'f32', 1);
      if (b.length !== outputs)
        throw new RangeError(
          `${fn}: bias ${formatShape(b.shape)} must have ${outputs} elements for weights ${formatShape(W.shape)}`,
        );
    }
  }

  /** A workspace tensor (any dtype) of at least `needed` bytes, which `what` needs. */
  workspace(fn: string, workspace: unknown, needed: number, what = 'the kernel'): Tensor {
    if (!(workspace instanceof Tensor))
      throw new TypeError(`${fn}: workspace must be a Tensor, got ${workspace === null ? 'null' : typeof workspace}`);
    const ws = this.tensor(fn, 'workspace', workspace, workspace.dtype);
    if (ws.byteLength < needed)
      throw new RangeError(`${fn}: workspace ${describe(ws)} holds ${ws.byteLength} bytes but ${what} needs ${needed}`);
    return ws;
  }

  /**
   * Sparse rows (see data/sparse.ts) for kernels that read rows of `width` columns: starts of rank
   * 1 with at least two offsets, each within entries and none below the one before; every entry's
   * column below `width` and increasing within its row. Returns the number of rows.
   */
  sparseRows(fn: string, starts: Tensor, entries: Tensor, width: number): number {
    this.tensor(fn, 'starts', starts, 'i32', 1);
    this.tensor(fn, 'entries', entries, 'i32', 1);
    const offsets = starts.view() as Int32Array,
      signed = entries.view() as Int32Array;
    const packed = new Uint32Array(signed.buffer, signed.byteOffset, signed.length);
    if (offsets.length < 2)
      throw new RangeError(`${fn}: starts ${formatShape(starts.shape)} must hold rows + 1 ≥ 2 offsets`);
    for (let r = 0; r + 1 < offsets.length; r++) {
      const first = offsets[r]!,
        end = offsets[r + 1]!;
      if (first < 0 || end < first || end > packed.length) {
        throw new RangeError(
          `${fn}: row ${r} spans entries [${first}, ${end}), not a range within entries ${formatShape(entries.shape)} after the previous row`,
        );
      }
      for (let e = first, previous = -1; e < end; e++) {
        const column = packed[e]! >>> 8;
        if (column >= width || column <= previous) {
          throw new RangeError(
            `${fn}: entries[${e}] (row ${r}) has column ${column}; columns must increase within a row and stay below ${width}`,
          );
        }
        previous = column;
      }
    }
    return offsets.length - 1;
  }

  labelsFor(fn: string, scores: Tensor, scoresName: string, labels: unknown): Tensor {
    this.tensor(fn, 'labels', labels, 'i32', 1);
    const l = labels as Tensor;
    if (l.length !== scores.shape[0]) {
      throw new RangeError(
        `${fn}: labels ${formatShape(l.shape)} must have one entry per row of ${scoresName} ${formatShape(scores.shape)}`,
      );
    }
    this.indicesInRange(fn, 'labels', l, scores.shape[1]!, 'class index');
    return l;
  }

  updateRegions(fn: string, named: Array<[string, unknown]>): number {
    const tensors = named.map(([name, t]) => [name, this.tensor(fn, name, t, 'f32')] as const);
    const [firstName, first] = tensors[0]!;
    for (const [name, t] of tensors.slice(1)) {
      if (t.length !== first.length)
        throw new RangeError(
          `${fn}: ${name} ${formatShape(t.shape)} must have as many elements as ${firstName} ${formatShape(first.shape)}`,
        );
    }
    for (let i = 0; i < tensors.length; i++) {
      for (let j = i + 1; j < tensors.length; j++)
        this.disjoint(fn, tensors[i]![1], tensors[i]![0], tensors[j]![1], tensors[j]![0]);
    }
    return first.length;
  }
}
