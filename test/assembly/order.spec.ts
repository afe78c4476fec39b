// order_identity, and order_shuffle against a Fisher–Yates reference written here in the terms of
// src/rng.ts (signed 32-bit Math.imul steps, the u32 draw divided by 2³²); known values from that
// JS Rng; and that the returned state lets the next epoch's shuffle continue the generator.
// Exact: a shuffle only moves integers, so every element and the state must match bit for bit.
import { order_identity, order_shuffle } from "../../assembly/order";
import { Buffer, fail, SIZES } from "./helpers";

// mulberry32 as src/rng.ts writes it, on i32 (Math.imul) with the u32 conversion at the end.
class Mulberry32 {
  constructor(public state: i32) {}

  next(): f64 {
    this.state = this.state + 0x6d2b79f5;
    let t = this.state;
    t = (t ^ <i32>(<u32>t >>> 15)) * (t | 1);
    t ^= t + (t ^ <i32>(<u32>t >>> 7)) * (t | 61);
    return <f64>(<u32>(t ^ <i32>(<u32>t >>> 14))) / 4294967296.0;
  }

  shuffle(values: i32[]): void {
    for (let i = values.length - 1; i > 0; i--) {
      const j = <i32>Math.floor(this.next() * <f64>(i + 1));
      const t = values[i];
      values[i] = values[j];
      values[j] = t;
    }
  }
}

const COUNTS: i32[] = [0].concat(SIZES).concat([100, 1000, 60000]);
// 0 and u32 bit patterns at both ends of the sign bit, as i32.
const SEEDS: i32[] = [0, 1, 42, 0x7fffffff, <i32>0x80000000, -1];
const EPOCHS = 3;

function where(count: i32, seed: i32, epoch: i32): string {
  return "count " + count.toString() + ", seed " + seed.toString() + ", epoch " + epoch.toString();
}

describe("order_identity", () => {
  test("writes 0…count−1 and nothing outside, for every count", () => {
    for (let c = 0; c < COUNTS.length; c++) {
      const count = COUNTS[c];
      const order = new Buffer<i32>(count);
      for (let i = 0; i < count; i++) order[i] = -7;
      order_identity(order.ptr, count);
      for (let i = 0; i < count; i++) if (order[i] != i) expect<i32>(order[i]).toBe(i, "count " + count.toString() + ": [" + i.toString() + "]");
      if (!order.guardsIntact()) fail("order_identity wrote outside order, count " + count.toString());
      order.free();
    }
  });
});

describe("order_shuffle", () => {
  test("known values: Rng(1) of src/rng.ts shuffling 0…9 twice", () => {
    const order = new Buffer<i32>(10);
    order_identity(order.ptr, 10);
    order_shuffle(order.ptr, 10, order_shuffle(order.ptr, 10, 1));
    const expected: i32[] = [5, 4, 0, 9, 8, 3, 7, 2, 1, 6];
    for (let i = 0; i < 10; i++) expect<i32>(order[i]).toBe(expected[i], "[" + i.toString() + "]");
    order.free();
  });

  test("matches the reference for every count and seed, epoch after epoch, the state carried over", () => {
    for (let c = 0; c < COUNTS.length; c++) {
      const count = COUNTS[c];
      for (let s = 0; s < SEEDS.length; s++) {
        const seed = SEEDS[s];
        const reference = new Mulberry32(seed);
        const expected = new Array<i32>(count);
        for (let i = 0; i < count; i++) expected[i] = i;
        const order = new Buffer<i32>(count);
        order_identity(order.ptr, count);
        let state = seed;
        for (let epoch = 1; epoch <= EPOCHS; epoch++) {
          reference.shuffle(expected);
          state = order_shuffle(order.ptr, count, state);
          if (state != reference.state) expect<i32>(state).toBe(reference.state, "state after " + where(count, seed, epoch));
          for (let i = 0; i < count; i++) {
            if (order[i] != expected[i]) {
              expect<i32>(order[i]).toBe(expected[i], where(count, seed, epoch) + ": [" + i.toString() + "]");
              break;
            }
          }
        }
        if (!order.guardsIntact()) fail("order_shuffle wrote outside order, " + where(count, seed, EPOCHS));
        order.free();
      }
    }
  });

  test("shuffles any values (not only 0…count−1) into a permutation of them", () => {
    const count = 33;
    const order = new Buffer<i32>(count);
    for (let i = 0; i < count; i++) order[i] = 1000 - 3 * i;
    order_shuffle(order.ptr, count, 7);
    const seen = new Array<bool>(count).fill(false);
    for (let i = 0; i < count; i++) {
      const k = (1000 - order[i]) / 3;
      if ((1000 - order[i]) % 3 != 0 || k < 0 || k >= count || seen[k]) fail("not a permutation at [" + i.toString() + "]");
      else seen[k] = true;
    }
    order.free();
  });
});
