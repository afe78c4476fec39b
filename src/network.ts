// Network and its types live in src/model/; this module keeps the import path they had.
export { Network } from './model/network.js';
export {
  OPTIMIZERS,
  INITIALIZERS,
  PIXEL_FORMATS,
  type PixelFormat,
  type NetworkOptions,
  type FitOptions,
  type FitResult,
  type OptimizerConfig,
  type OptimizerName,
  type Initializer,
  type StepInfo,
  type EpochInfo,
  type Evaluation,
  type InferenceOptions,
  type Prediction,
  type FeatureSet,
  type TrainingData,
} from './model/types.js';
export {
  ACTIVATIONS,
  type Activation,
  type InputSpec,
  type LayerSpec,
  type LayerSpecs,
  type LayerType,
  type NetworkSpec,
} from './model/layers/spec.js';
