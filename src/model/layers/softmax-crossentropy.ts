// The loss head on the output layer's logits: softmax, mean cross-entropy, accuracy and
// δ_L = (softmax(z) − onehot(labels)) / rows in one pass (softmax_crossentropy); for inference,
// softmax into the probabilities (the logits stay) and the arg-max class of each row. A Dense or
// Activation softmax at the end and a linear (logits) output train alike: from the logits.
import type { Emit } from '../program.js';

const F32 = 4;

/** Byte offsets the head reads and writes: the rows×classes logits and their gradient, i32 labels, the i32 count of rows classified right, i32 classes. */
export interface HeadIO {
  rows: number;
  classes: number;
  logits: number;
  dlogits: number;
  labels: number;
  correct: number;
  predicted: number;
  /** rows×classes f32 the probabilities go to. */
  probabilities: number;
}

/** Loss and the output gradient; the call returns the mean loss and stores the correct count. */
export function softmaxCrossentropy(emit: Emit, io: HeadIO, layer: number): void {
  const { rows, classes } = io;
  emit({
    kernel: 'softmax_crossentropy',
    args: [io.dlogits, io.logits, io.labels, rows, classes, 1 / rows, io.correct],
    label: `loss, correct, δ${layer} = (softmax(z) − onehot)/${rows}  ${rows}×${classes}`,
    phase: 'loss',
    flops: 4 * rows * classes,
    bytes: F32 * (2 * rows * classes + rows),
  });
}

/** The logits turned into probabilities, and each row's most probable class. */
export function softmaxClasses(emit: Emit, io: HeadIO): void {
  const { rows, classes } = io;
  emit({
    kernel: 'softmax_forward',
    args: [io.probabilities, io.logits, rows, classes],
    label: `p = softmax(z)  ${rows}×${classes}`,
    phase: 'output',
    flops: 4 * rows * classes,
    bytes: 2 * F32 * rows * classes,
  });
  emit({
    kernel: 'argmax_rows',
    args: [io.predicted, io.probabilities, rows, classes],
    label: `class = argmax p  ${rows}×${classes}`,
    phase: 'output',
    flops: rows * classes,
    bytes: F32 * (rows * classes + rows),
  });
}
