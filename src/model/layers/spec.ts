// How a network is described, layer by layer (Network.create's `layers`, checkpoints, import and
// export): plain JSON-able objects, one `type` per layer kind in registry.ts.

export type Activation = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax';
export const ACTIVATIONS: readonly Activation[] = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax'];

/** The shape of one input row, e.g. [28, 28]; the first entry of a spec list. */
export interface InputSpec {
  type: 'input';
  shape: number[];
}

export interface LayerSpecs {
  /** Fully connected; `activation` defaults to linear (Keras's default): a last linear Dense gives logits. */
  dense: { units: number; activation?: Activation };
  /** An activation of its own; softmax only on the logits at the end. */
  activation: { activation: Activation };
  /** Inverted dropout of `rate` in [0, 1) while fitting, the identity in evaluate and predict. */
  dropout: { rate: number };
  /** Rows of any shape read as flat vectors (the identity; it records the shape for export). */
  flatten: Record<never, never>;
}
export type LayerType = keyof LayerSpecs;
export type LayerSpec = { [K in LayerType]: { type: K } & LayerSpecs[K] }[LayerType];
/** What Network.create takes: an input spec, then layers. */
export type NetworkSpec = [InputSpec, ...LayerSpec[]];
