// Checks a network description (spec.ts) before anything is built: every refusal names the layer
// and says what would be accepted. Network.create, checkpoints and the Keras import share it.
import { ACTIVATIONS, type InputSpec, type LayerSpec, type NetworkSpec } from './layers/spec.js';
import { LAYER_TYPES } from './layers/registry.js';
import { buildModel, denseSpec, lastIndex, type Model } from './model.js';
import { checkLayers, describeValue } from './validate.js';

const MAX_WIDTH = 1 << 24;

/** The fields each kind takes besides `type`: any other is a mistake (a typo would otherwise pass silently). */
const FIELDS: Record<string, readonly string[]> = {
  input: ['shape'],
  dense: ['units', 'activation'],
  activation: ['activation'],
  dropout: ['rate'],
  flatten: [],
};

function checkFields(spec: Record<string, unknown>, at: string): void {
  const allowed = FIELDS[spec.type as string]!;
  for (const key of Object.keys(spec)) {
    if (key !== 'type' && !allowed.includes(key))
      throw new TypeError(
        `${at} (${String(spec.type)}) has an unknown field ${JSON.stringify(key)}; it takes ${allowed.length ? allowed.join(', ') : 'no fields besides type'}`,
      );
  }
}

function positiveInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_WIDTH)
    throw new RangeError(`${what} must be an integer in [1, 2²⁴], got ${JSON.stringify(value)}`);
  return value;
}

function checkInput(spec: unknown): InputSpec {
  const input = spec as Partial<InputSpec> | null;
  if (input === null || typeof input !== 'object' || input.type !== 'input' || !Array.isArray(input.shape))
    throw new TypeError(`layers[0] must be { type: 'input', shape: [...] }, got ${JSON.stringify(spec)}`);
  checkFields(input as Record<string, unknown>, 'layers[0]');
  const shape = input.shape.map((d, i) => positiveInteger(d, `layers[0].shape[${i}]`));
  if (shape.length === 0) throw new RangeError('layers[0].shape needs at least one dimension');
  positiveInteger(
    shape.reduce((a, b) => a * b, 1),
    `layers[0]: the input's size ${shape.join('×')}`,
  );
  return { type: 'input', shape };
}

function checkLayer(spec: unknown, at: string): LayerSpec {
  const layer = spec as Record<string, unknown> | null;
  if (layer === null || typeof layer !== 'object' || !LAYER_TYPES.includes(layer.type as never))
    throw new TypeError(`${at} must be a layer of type ${LAYER_TYPES.join(', ')}, got ${JSON.stringify(spec)}`);
  checkFields(layer, at);
  const activation = (value: unknown): LayerSpec & { type: 'activation' } => {
    if (!ACTIVATIONS.includes(value as never))
      throw new RangeError(`${at}.activation must be one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(value)}`);
    return { type: 'activation', activation: value as never };
  };
  switch (layer.type) {
    case 'dense':
      return {
        type: 'dense',
        units: positiveInteger(layer.units, `${at}.units`),
        activation: layer.activation === undefined ? 'linear' : activation(layer.activation).activation,
      };
    case 'activation':
      return activation(layer.activation);
    case 'dropout': {
      const rate = layer.rate;
      if (typeof rate !== 'number' || !(rate >= 0 && rate < 1))
        throw new RangeError(`${at}.rate must be a number in [0, 1), got ${describeValue(rate)}`);
      return { type: 'dropout', rate };
    }
    default:
      return { type: 'flatten' };
  }
}

/**
 * The spec of a network, checked: an input, then layers where Dense reads flat rows (Flatten
 * first for shaped input), only Flatten comes before the first Dense (it reads the pixels), and
 * after the last Dense (the logits, linear or softmax) only Activation linear or softmax, softmax once.
 */
export function checkNetworkSpec(layers: readonly unknown[]): NetworkSpec {
  if (layers.length < 2) throw new RangeError('layers needs an input and at least one layer');
  const input = checkInput(layers[0]);
  const specs = layers.slice(1).map((s, i) => checkLayer(s, `layers[${i + 1}]`));
  const lastDense = lastIndex(specs, (s) => s.type === 'dense');
  if (lastDense < 0) throw new RangeError('layers needs at least one dense layer');
  let flat = input.shape.length === 1,
    seenDense = false,
    softmax = false;
  specs.forEach((spec, i) => {
    const at = `layers[${i + 1}] (${spec.type})`;
    if (spec.type === 'flatten') flat = true;
    if (spec.type === 'dense' && !flat)
      throw new RangeError(`${at} reads flat rows but the input is ${input.shape.join('×')}: put a flatten before it`);
    if (!seenDense && spec.type !== 'dense' && spec.type !== 'flatten')
      throw new RangeError(`${at}: only flatten may come before the first dense layer, which reads the inputs`);
    if (spec.type === 'dense') seenDense = true;
    const act = spec.type === 'dense' || spec.type === 'activation' ? spec.activation : null;
    if (i > lastDense && !(act === 'linear' || act === 'softmax'))
      throw new RangeError(
        `${at}: after the last dense layer (the output logits) only a linear or softmax activation may follow`,
      );
    if (act === 'softmax') {
      if (i < lastDense || softmax)
        throw new RangeError(`${at}: softmax is supported once, on the output logits at the end`);
      softmax = true;
    }
  });
  const lastLinear =
    specs[lastDense]!.type === 'dense' && ['linear', 'softmax'].includes(specs[lastDense]!.activation!);
  if (!lastLinear)
    throw new RangeError(
      `layers[${lastDense + 1}] (dense): the last dense layer gives the logits, so its activation is linear or softmax, got ${(specs[lastDense] as { activation?: string }).activation}`,
    );
  return [input, ...specs];
}

/** The model `layers` describes: widths of a Dense stack (ReLU hidden, softmax output), or a layer spec list. */
export function modelOf(layers: unknown): Model {
  if (Array.isArray(layers) && layers.length > 0 && typeof layers[0] === 'object')
    return buildModel(checkNetworkSpec(layers));
  return buildModel(denseSpec(checkLayers(layers)));
}
