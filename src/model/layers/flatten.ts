// Flatten: rows of any shape read as flat vectors. Rows are already flat in memory, so it runs
// nothing; it keeps the shape it flattens, which the exported model declares as its input.
import type { ArenaPlan } from '../../arena.js';
import { plainConfig, type Layer, type LayersConfig } from './layer.js';
import type { LayerSpec } from './spec.js';

export class Flatten implements Layer {
  readonly kind = 'Flatten';
  readonly parameters = [];
  readonly spec: LayerSpec = { type: 'flatten' };
  readonly inputs: number;
  readonly outputs: number;

  constructor(
    readonly shape: readonly number[],
    readonly relu: boolean,
  ) {
    this.inputs = this.outputs = shape.reduce((a, b) => a * b, 1);
  }

  passes(): boolean {
    return true;
  }

  initialize(): void {}

  buffers(): ArenaPlan {
    return {};
  }

  forward(): void {}

  backward(): void {}

  layersConfig(name: string, first: boolean): LayersConfig {
    return plainConfig(this.kind, name, first ? this.shape : null, { data_format: 'channels_last' });
  }
}
