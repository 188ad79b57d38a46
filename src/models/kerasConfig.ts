/**
 * What a Keras 2 whole-model file (`model.save('x.h5')`) holds, from its `model_config`: the seed
 * project's classifier (Keras' DenseNet121 backbone, then Flatten, Dense 1024 ReLU, Dropout and
 * Dense 3 softmax) or its SegNet (Conv-BN-ReLU blocks with max pooling, mirrored with upsampling,
 * then a 1x1 sigmoid convolution), described as the app's builders take them. Anything else is
 * refused with what differs. Sequential and functional models read alike, nested models (a
 * DenseNet121 inside a Sequential) opened up.
 */
import type { DenseNetConfig } from './densenetConfig.ts';
import type { SegNetConfig } from './segnetConfig.ts';

export type KerasArchitecture =
  | { kind: 'classifier'; inputSize: number; dropout: number; head: DenseNetConfig['head'] }
  | { kind: 'segnet'; config: SegNetConfig };

interface KerasLayer {
  className: string;
  name: string;
  config: Record<string, unknown>;
}

const DENSENET_121_BLOCKS = [6, 12, 24, 16];

/** Describes the model in `modelConfig`, or throws an Error whose message says what differs. */
export function describeKerasModel(modelConfig: unknown): KerasArchitecture {
  const layers = flatten(modelConfig);
  if (layers.length === 0) throw new Error('its model_config lists no layers');
  const inputSize = inputSizeOf(layers);
  const weighted = layers.filter((l) =>
    ['Conv2D', 'Dense', 'BatchNormalization'].includes(l.className),
  );
  const last = weighted.at(-1);
  if (last?.className === 'Dense') return classifier(layers, inputSize, last);
  if (last?.className === 'Conv2D' && last.config.filters === 1) {
    return { kind: 'segnet', config: segnet(layers, inputSize) };
  }
  throw new Error(
    `it ends in ${last ? `${last.className} ${last.name}` : 'no layer with weights'}: neither the seed's classifier (Dense 3) nor its SegNet (a 1x1 Conv2D of one filter)`,
  );
}

function classifier(layers: KerasLayer[], inputSize: number, last: KerasLayer): KerasArchitecture {
  if (last.config.units !== 3) {
    throw new Error(
      `its last Dense layer ${last.name} has ${String(last.config.units)} units, not the 3 classes`,
    );
  }
  const names = new Set(layers.map((l) => l.name));
  const blocks = DENSENET_121_BLOCKS.map(
    (_, b) =>
      layers.filter((l) => new RegExp(`^conv${b + 2}_block\\d+_2_conv$`).test(l.name)).length,
  );
  if (!names.has('conv1/conv') || blocks.join() !== DENSENET_121_BLOCKS.join()) {
    throw new Error(
      `its backbone is not Keras' DenseNet121 (dense blocks of ${blocks.join(', ')} layers, ${names.has('conv1/conv') ? 'with' : 'without'} conv1/conv; DenseNet-121 has 6, 12, 24, 16)`,
    );
  }
  const after = layers.slice(layers.findIndex((l) => l.name === 'relu') + 1);
  const kinds = after.filter((l) => l.className !== 'InputLayer').map((l) => l.className);
  const dropout = Number(after.find((l) => l.className === 'Dropout')?.config.rate ?? 0);
  const fc = after.find((l) => l.className === 'Dense');
  if (kinds.join() === 'Flatten,Dense,Dropout,Dense' && fc?.config.units === 1024) {
    return { kind: 'classifier', inputSize, dropout, head: 'seed' };
  }
  if (kinds.join() === 'GlobalAveragePooling2D,Dropout,Dense') {
    return { kind: 'classifier', inputSize, dropout, head: 'gap' };
  }
  throw new Error(
    `its head after the backbone is ${kinds.join(' → ') || 'nothing'}${fc ? ` (Dense ${String(fc.config.units)})` : ''}: the app builds Flatten → Dense 1024 → Dropout → Dense 3 (the seed's) or GlobalAveragePooling2D → Dropout → Dense 3`,
  );
}

function segnet(layers: KerasLayer[], inputSize: number): SegNetConfig {
  const encoder: number[][] = [];
  const decoder: number[][] = [];
  let block: number[] = [];
  let decoding = false;
  const convs = layers.filter((l) => l.className === 'Conv2D');
  for (const layer of layers) {
    if (layer.className === 'Conv2D' && layer !== convs.at(-1))
      block.push(Number(layer.config.filters));
    else if (layer.className === 'MaxPooling2D' && !decoding) {
      encoder.push(block);
      block = [];
    } else if (layer.className === 'UpSampling2D') {
      if (decoding) decoder.push(block);
      decoding = true;
      block = [];
    }
  }
  if (decoding) decoder.push(block);
  const mirrored = [...encoder].reverse().map((b) => [...b].reverse());
  if (encoder.length === 0 || JSON.stringify(decoder) !== JSON.stringify(mirrored)) {
    throw new Error(
      `its convolutions (encoder ${JSON.stringify(encoder)}, decoder ${JSON.stringify(decoder)}) are not the seed's SegNet, whose decoder mirrors its encoder`,
    );
  }
  if (inputSize % 2 ** encoder.length !== 0) {
    throw new Error(`its input of ${inputSize} px cannot be pooled ${encoder.length} times`);
  }
  const batchNorm = layers.find((l) => l.className === 'BatchNormalization');
  const momentum = Number(batchNorm?.config.momentum ?? 0.99);
  return { inputSize, encoder, batchNormMomentum: momentum };
}

/** The input's edge in pixels: square, three channels. */
function inputSizeOf(layers: KerasLayer[]): number {
  const shape = layers
    .map((l) => l.config.batch_input_shape ?? l.config.batch_shape)
    .find(Array.isArray) as (number | null)[] | undefined;
  const [, height, width, channels] = shape ?? [];
  if (typeof height !== 'number' || height !== width || channels !== 3) {
    throw new Error(`its input ${JSON.stringify(shape ?? null)} is not a square RGB image`);
  }
  return height;
}

/** The class of each layer the config names (`conv2d_3` → `Conv2D`), nested models opened up. */
export function layerClasses(modelConfig: unknown): Map<string, string> {
  return new Map(flatten(modelConfig).map((layer) => [layer.name, layer.className]));
}

/** Every layer of the model in order, nested models opened up. */
function flatten(node: unknown): KerasLayer[] {
  const config = (node as { config?: unknown } | null)?.config;
  const list = Array.isArray(config)
    ? config
    : ((config as { layers?: unknown } | undefined)?.layers as unknown[] | undefined);
  if (!Array.isArray(list)) return [];
  return list.flatMap((entry): KerasLayer[] => {
    const layer = entry as { class_name?: string; config?: Record<string, unknown>; name?: string };
    const className = layer.class_name ?? '';
    if (['Model', 'Functional', 'Sequential'].includes(className)) return flatten(layer);
    return [
      {
        className,
        name: String(layer.config?.name ?? layer.name ?? ''),
        config: layer.config ?? {},
      },
    ];
  });
}
