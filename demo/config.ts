// What the demo trains and on what: shared by the page and by build.ts, browser-safe.
import { defaultLearningRate } from '../src/model/optimizers.js';

/** Images in the compact subset build.ts writes: the first of MNIST's train and test sets. */
export const TRAIN_COUNT = 6000;
export const TEST_COUNT = 1000;

/** Names of the gzip'd IDX files under <dist>/data/. */
export const DATA_FILES = {
  trainImages: 'train-images.idx3.gz',
  trainLabels: 'train-labels.idx1.gz',
  testImages: 'test-images.idx3.gz',
  testLabels: 'test-labels.idx1.gz',
} as const;

export interface TrainingConfig {
  layers: number[];
  seed: number;
  optimizer: 'sgd';
  lr: number;
  batchSize: number;
  epochs: number;
  /** Steps per slice of work between two repaints: keeps the page responsive while training. */
  stepsPerSlice: number;
  /** Held-out evaluation every this many steps (and at the end). */
  evaluateEvery: number;
}

export const DEFAULT_TRAINING: TrainingConfig = {
  layers: [784, 128, 10],
  seed: 1,
  optimizer: 'sgd',
  lr: defaultLearningRate('sgd'),
  batchSize: 32,
  epochs: 2,
  stepsPerSlice: 8,
  evaluateEvery: 47,
};
