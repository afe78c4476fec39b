// The arena of a network: every buffer it trains and infers with, planned for a number of rows.
// Shared buffers have plain names (params, labels, …); each layer's have its prefix (L1.out,
// L1.dout, L1.workspace, …), from its position in the model.
import type { ArenaPlan } from '../arena.js';
import type { Dataset } from '../data/dataset.js';
import type { InputKind, WorkspaceSizes } from './layers/layer.js';
import type { Model } from './model.js';
import { STATE_SLOTS } from './optimizers.js';

/** Rows evaluated or predicted per program run when not training. */
export const INFERENCE_ROWS = 512;

/** The training set held in the arena: as dense rows of pixels, or as `entries` non-zero bytes in sparse rows. */
export interface Resident {
  data: Dataset;
  sparse: boolean;
  entries: number;
}

/** The arena name of layer `index`'s buffer `name`. */
export function layerBuffer(index: number, name: string): string {
  return `L${index + 1}.${name}`;
}

/** Names of the optimizer state regions (state1, state2, …). */
export const STATE_BUFFERS = Array.from({ length: STATE_SLOTS }, (_, i) => `state${i + 1}`);

/**
 * The buffers for `model` holding `rows` rows of activations, the training set (dense or sparse
 * rows), and `xRows` rows of f32 inputs (only computeGradients and predict on a Float32Array use
 * x; training and inference on pixels read u8 rows). Evaluate and predict stage pixels
 * INFERENCE_ROWS (at most `rows`) at a time.
 */
export function arenaPlan(
  model: Model,
  rows: number,
  train: Resident | null,
  xRows: number,
  sizes: WorkspaceSizes,
): ArenaPlan {
  const P = model.parameterCount,
    inputs = model.widths[0]!;
  const staging = Math.min(rows, INFERENCE_ROWS);
  const plan: ArenaPlan = { params: [P], grads: [P] };
  for (const name of STATE_BUFFERS) plan[name] = [P];
  Object.assign(plan, {
    backup: [P],
    x: [xRows, inputs],
    correct: { dtype: 'i32', shape: [1] },
    labels: { dtype: 'i32', shape: [rows] },
    classes: { dtype: 'i32', shape: [staging] },
    probabilities: [staging, model.widths[model.widths.length - 1]!],
    stagingPixels: { dtype: 'u8', shape: [staging, inputs] },
    stagingLabels: { dtype: 'u8', shape: [staging] },
    stagingOrder: { dtype: 'i32', shape: [staging] },
    // The staged pixels as sparse rows, room for every byte (pixelFormat 'sparse' on any pixels).
    stagingStarts: { dtype: 'i32', shape: [staging + 1] },
    stagingEntries: { dtype: 'i32', shape: [staging, inputs] },
  } satisfies ArenaPlan);
  // Layers that pass their input through in training too have no buffers; the first that runs reads the pixels.
  const first = model.layers.findIndex((layer) => !layer.passes(true));
  model.layers.forEach((layer, l) => {
    if (layer.passes(true)) return;
    const kinds = new Set<InputKind>(['f32']);
    if (l === first) kinds.add('u8');
    if (l === first && train?.sparse) kinds.add('sparse');
    plan[layerBuffer(l, 'out')] = [rows, layer.outputs];
    plan[layerBuffer(l, 'dout')] = [rows, layer.outputs];
    const own = layer.buffers({ ...sizes, rows, inputs: kinds });
    for (const [name, spec] of Object.entries(own)) plan[layerBuffer(l, name)] = spec;
  });
  if (train !== null) {
    const count = train.data.count;
    if (train.sparse) {
      plan.trainStarts = { dtype: 'i32', shape: [count + 1] };
      plan.trainEntries = { dtype: 'i32', shape: [Math.max(1, train.entries)] };
    } else {
      plan.trainPixels = { dtype: 'u8', shape: [count, inputs] };
    }
    plan.trainLabels = { dtype: 'u8', shape: [count] };
    plan.order = { dtype: 'i32', shape: [count] };
  }
  return plan;
}
