// Every optimizer simdnet trains with, by name: its default learning rate, the state regions it
// keeps between steps, and its update call over all P parameters at once (parameters, gradients
// and state share one flat layout). A new optimizer is one entry here.
import { ADAM_DEFAULTS } from '../kernels.js';
import type { Emit } from './program.js';
import { positiveFinite } from './validate.js';

export interface OptimizerConfig {
  name: OptimizerName;
  lr: number;
  /** Momentum coefficient (momentum only). Default 0.9. */
  momentum?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** Byte offsets of the flat regions an update reads and writes, and their length P in elements. */
export interface UpdateRegions {
  params: number;
  grads: number;
  /** The optimizer's state regions, `slots` of them. */
  state: readonly number[];
  count: number;
}

interface Optimizer {
  /** Learning rate when none is given. */
  lr: number;
  /** State regions of P elements it keeps between steps, zeroed when it starts. */
  slots: number;
  update(emit: Emit, r: UpdateRegions, opt: Required<OptimizerConfig>): void;
}

const F32 = 4;

const REGISTRY = {
  sgd: {
    lr: 0.1,
    slots: 0,
    update: (emit, { params, grads, count: P }, opt) =>
      emit({
        kernel: 'sgd_update',
        args: [params, grads, P, opt.lr],
        label: `θ −= lr·g  ${P}`,
        phase: 'update',
        flops: 2 * P,
        bytes: 3 * F32 * P,
        footprint: 2 * F32 * P,
      }),
  },
  momentum: {
    lr: 0.1,
    slots: 1,
    update: (emit, { params, grads, state, count: P }, opt) =>
      emit({
        kernel: 'momentum_update',
        args: [params, grads, state[0]!, P, opt.lr, opt.momentum],
        label: `v = μv + g; θ −= lr·v  ${P}`,
        phase: 'update',
        flops: 4 * P,
        bytes: 5 * F32 * P,
        footprint: 3 * F32 * P,
      }),
  },
  adam: {
    lr: 0.001,
    slots: 2,
    update: (emit, { params, grads, state, count: P }, opt) =>
      emit({
        kernel: 'adam_update',
        args: [params, grads, state[0]!, state[1]!, P, opt.lr, opt.beta1, opt.beta2, opt.epsilon, { slot: 'step' }],
        label: `Adam m, v, θ  ${P}`,
        phase: 'update',
        flops: 16 * P,
        bytes: 7 * F32 * P,
        footprint: 4 * F32 * P,
      }),
  },
} satisfies Record<string, Optimizer>;

export type OptimizerName = keyof typeof REGISTRY;
export const OPTIMIZERS = Object.keys(REGISTRY) as readonly OptimizerName[];
/** State regions the arena plans: as many as the optimizer that keeps the most. */
export const STATE_SLOTS = Math.max(...Object.values(REGISTRY).map((o) => o.slots));

export function optimizer(name: OptimizerName): Optimizer {
  return REGISTRY[name];
}

/** The learning rate `name` trains with when none is given (fit, the CLI, the profile and the tfjs twin all ask here). */
export function defaultLearningRate(name: OptimizerName): number {
  return REGISTRY[name].lr;
}

/** The optimizer and hyper-parameters `fit` will use, defaults filled in and checked (shared with the tfjs twin). */
export function resolveOptimizer(options: {
  optimizer?: OptimizerName | OptimizerConfig;
  lr?: number;
}): Required<OptimizerConfig> {
  const given = options.optimizer ?? 'sgd';
  if (typeof given !== 'string' && (given === null || typeof given !== 'object')) {
    throw new TypeError(
      `optimizer must be a name (${OPTIMIZERS.join(', ')}) or an object { name, lr, … }, got ${JSON.stringify(given)}`,
    );
  }
  const config: OptimizerConfig = typeof given === 'string' ? { name: given, lr: options.lr ?? NaN } : { ...given };
  if (!OPTIMIZERS.includes(config.name)) {
    throw new RangeError(`unknown optimizer ${JSON.stringify(config.name)}; use one of ${OPTIMIZERS.join(', ')}`);
  }
  if (Number.isNaN(config.lr) && options.lr === undefined && typeof given === 'string')
    config.lr = defaultLearningRate(given);
  const lr = positiveFinite('lr', config.lr);
  const momentum = config.momentum ?? 0.9;
  const beta1 = config.beta1 ?? ADAM_DEFAULTS.beta1,
    beta2 = config.beta2 ?? ADAM_DEFAULTS.beta2;
  for (const [name, v] of [
    ['momentum', momentum],
    ['beta1', beta1],
    ['beta2', beta2],
  ] as const) {
    if (!(v >= 0 && v < 1)) throw new RangeError(`${name} must be in [0, 1), got ${v}`);
  }
  const epsilon = positiveFinite('epsilon', config.epsilon ?? ADAM_DEFAULTS.epsilon);
  return { name: config.name, lr, momentum, beta1, beta2, epsilon };
}
