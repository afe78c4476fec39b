// The batch order of Network.fit (src/schedule.ts), kept in the arena where the gathers read it:
// set up once, then shuffled in place at each epoch by the seeded generator of src/rng.ts. Here
// rather than in JS because a fresh process would run these loops over every row in its
// interpreter, at the start of the first epoch. Scalar only: each Fisher–Yates swap depends on
// the one before it (and each draw on the generator's previous state): nothing to vectorise.

// order[i] = i for i < count. Overwrites order (count i32).
export function order_identity(order: usize, count: i32): void {
  for (let i = 0; i < count; i++) store<i32>(order + (<usize>i << 2), i);
}

// Shuffles order (count i32) in place exactly as Rng.shuffle does (src/rng.ts): Fisher–Yates from
// the last element down, j = ⌊next()·(i + 1)⌋ in f64, next() mulberry32 from the u32 `state` (its
// bits as an i32). Returns the generator's state after, so the next epoch's shuffle continues it
// as one Rng would. The f64 product is kept, not a 64-bit multiply-high, so that the choice of j
// matches the JS one for every count, even where the product rounds (count > 2²¹).
export function order_shuffle(order: usize, count: i32, state: i32): i32 {
  let s = <u32>state;
  for (let i = count - 1; i > 0; i--) {
    s += 0x6d2b79f5;
    let t = (s ^ (s >>> 15)) * (s | 1);
    t ^= t + (t ^ (t >>> 7)) * (t | 61);
    const next = <f64>(t ^ (t >>> 14)) / 4294967296.0;
    const j = <i32>Math.floor(next * <f64>(i + 1));
    const a = order + (<usize>i << 2), b = order + (<usize>j << 2);
    const swapped = load<i32>(a);
    store<i32>(a, load<i32>(b));
    store<i32>(b, swapped);
  }
  return <i32>s;
}
