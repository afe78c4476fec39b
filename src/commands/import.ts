// `simdnet import MODEL.json --save FILE.snet`: reads a TensorFlow.js / Keras LayersModel
// (model.json and its weight shards beside it, as tfjs or tensorflowjs_converter writes them) and
// saves it as a simdnet checkpoint, after checking that simdnet runs every layer.
import { saveNetwork } from '../io.node.js';
import type { LayerSpec } from '../model/layers/spec.js';
import { openModel } from './model.js';
import { checkOutputDirectory } from './output.js';
import { parseFlagsAndArguments, UsageError } from './usage.js';
import { SIMDNET_VERSION } from './version.js';

export const IMPORT_USAGE = `usage: simdnet import MODEL.json --save FILE.snet [options]
  MODEL.json             a tfjs LayersModel (tfjs model.save, or tensorflowjs_converter from Keras);
                         its weight files beside it; float32, float16 or uint8/uint16-quantized
  --save FILE.snet       where the checkpoint goes
  --variant NAME         auto | relaxed | simd | scalar   (default auto)
  --json                 print one JSON object: the layers and the checkpoint written
  -h, --help             this message`;

function describe(spec: LayerSpec): string {
  switch (spec.type) {
    case 'dense':
      return `dense ${spec.units} ${spec.activation}`;
    case 'activation':
      return spec.activation;
    case 'dropout':
      return `dropout ${spec.rate}`;
    case 'flatten':
      return 'flatten';
  }
}

export async function importCommand(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseFlagsAndArguments(argv, {
    save: { type: 'string' },
    variant: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (v.help) {
    process.stdout.write(`${IMPORT_USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1)
    throw new UsageError(`import takes one MODEL.json, got ${positionals.length} arguments: ${positionals.join(' ')}`);
  const model = positionals[0]!;
  if (!model.toLowerCase().endsWith('.json'))
    throw new UsageError(`MODEL must be a tfjs model.json, got ${JSON.stringify(model)}`);
  if (v.save === undefined) throw new UsageError('give --save FILE.snet, where the checkpoint goes');
  await checkOutputDirectory(v.save, 'the checkpoint');
  const net = await openModel(model, v.variant);
  try {
    await saveNetwork(net, v.save);
    const [input, ...layers] = net.spec;
    if (v.json) {
      process.stdout.write(
        `${JSON.stringify({ simdnet: SIMDNET_VERSION, model, save: v.save, layers: net.spec, parameters: net.parameterCount })}\n`,
      );
    } else {
      process.stdout.write(
        `${model}: input ${input.shape.join('×')} → ${layers.map(describe).join(' → ')} (${net.parameterCount} parameters)\n` +
          `wrote ${v.save}\n`,
      );
    }
  } finally {
    net.dispose();
  }
  return 0;
}
