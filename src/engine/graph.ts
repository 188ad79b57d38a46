/**
 * What the engine trains, read from a tfjs model: the chain of layers as the engine's operations,
 * each with its shapes and its variables. A model the engine cannot run whole (another layer kind,
 * a branch, a shape the kernels do not take) gets `null` and a reason, and trains through tfjs.
 *
 * Today: the SegNet of every preset — Conv2D (odd square kernels, stride 1, 'same' padding or 1 x 1, with bias,
 * linear or sigmoid), BatchNormalization (channels last, with scale and offset) followed by a ReLU
 * activation, MaxPooling2D 2 x 2 / 2 and UpSampling2D 2x nearest, ending in a one-channel sigmoid.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ConvGeometry } from './kernels/gemm.ts';

export interface ConvOp {
  kind: 'conv';
  name: string;
  geometry: ConvGeometry;
  kernel: tf.LayerVariable;
  bias: tf.LayerVariable;
  activation: 'linear' | 'sigmoid';
}

export interface BatchNormReluOp {
  kind: 'batchNormRelu';
  name: string;
  /** batch · height · width */
  positions: number;
  channels: number;
  gamma: tf.LayerVariable;
  beta: tf.LayerVariable;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
  momentum: number;
  epsilon: number;
}

export interface ResampleOp {
  kind: 'maxPool' | 'upsample';
  name: string;
  /** The larger side's shape: batch, height, width, channels. */
  large: [number, number, number, number];
}

export type Op = ConvOp | BatchNormReluOp | ResampleOp;

export interface Graph {
  input: [number, number, number, number];
  ops: Op[];
  /** Output shape: batch, height, width, 1 (the mask's probabilities). */
  output: [number, number, number, number];
}

export type GraphResult = { graph: Graph; reason?: undefined } | { graph: null; reason: string };

type Config = Record<string, unknown>;

const shapeOf = (layer: tf.layers.Layer, batch: number): [number, number, number, number] => {
  const shape = layer.outputShape as (number | null)[];
  if (shape.length !== 4 || shape.slice(1).some((d) => d === null)) {
    throw new Unsupported(`${layer.name} has output shape ${JSON.stringify(shape)}`);
  }
  return [batch, shape[1] as number, shape[2] as number, shape[3] as number];
};

class Unsupported extends Error {}

const pair = (value: unknown): [number, number] =>
  Array.isArray(value)
    ? [value[0] as number, value[1] as number]
    : [value as number, value as number];

/** The weight of a layer by its short name (kernel, bias, gamma, ...). */
function weight(layer: tf.layers.Layer, short: string): tf.LayerVariable {
  const found = layer.weights.find((w) => w.name.split('/').pop()?.replace(/_\d+$/, '') === short);
  if (!found) throw new Unsupported(`${layer.name} has no ${short}`);
  return found;
}

/** The engine's operations for `model` at batch size `batch`, or why there are none. */
export function readGraph(model: tf.LayersModel, batch: number): GraphResult {
  try {
    return { graph: chain(model, batch) };
  } catch (error) {
    if (error instanceof Unsupported) return { graph: null, reason: error.message };
    throw error;
  }
}

function chain(model: tf.LayersModel, batch: number): Graph {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new Unsupported('the model has more than one input or output');
  }
  const layers = model.layers;
  const first = layers[0];
  if (!first || first.getClassName() !== 'InputLayer') throw new Unsupported('no input layer');
  layers.forEach((layer, i) => {
    if (i === 0) return;
    const nodes = layer.inboundNodes;
    const inbound = nodes[0]?.inboundLayers ?? [];
    if (nodes.length !== 1 || inbound.length !== 1 || inbound[0] !== layers[i - 1]) {
      throw new Unsupported(`${layer.name} is not in a single chain`);
    }
  });
  const input = shapeOf(first, batch);
  const ops: Op[] = [];
  let shape = input;
  for (let i = 1; i < layers.length; i++) {
    const layer = layers[i] as tf.layers.Layer;
    const config = layer.getConfig() as Config;
    const kind = layer.getClassName();
    const out = shapeOf(layer, batch);
    if (kind === 'Conv2D') {
      const [kh, kw] = pair(config.kernelSize);
      const [sy, sx] = pair(config.strides);
      const [dy, dx] = pair(config.dilationRate ?? 1);
      const activation = config.activation as string;
      if (sy !== 1 || sx !== 1 || dy !== 1 || dx !== 1)
        throw new Unsupported(`${layer.name}: strides or dilation`);
      const sizePreserving = kh === 1 || config.padding === 'same';
      if (kh !== kw || kh % 2 !== 1 || !sizePreserving) {
        throw new Unsupported(
          `${layer.name}: only odd square kernels with 'same' padding, or 1 x 1`,
        );
      }
      if (config.useBias !== true) throw new Unsupported(`${layer.name} has no bias`);
      if (activation !== 'linear' && activation !== 'sigmoid') {
        throw new Unsupported(`${layer.name}: activation ${activation}`);
      }
      if (config.dataFormat !== 'channelsLast')
        throw new Unsupported(`${layer.name}: channels first`);
      ops.push({
        kind: 'conv',
        name: layer.name,
        geometry: {
          batch,
          inH: shape[1],
          inW: shape[2],
          inC: shape[3],
          outH: out[1],
          outW: out[2],
          outC: out[3],
          kh,
          kw,
          stride: 1,
          pad: (kh - 1) / 2,
        },
        kernel: weight(layer, 'kernel'),
        bias: weight(layer, 'bias'),
        activation,
      });
    } else if (kind === 'BatchNormalization') {
      const next = layers[i + 1];
      const nextConfig = next?.getConfig() as Config | undefined;
      if (next?.getClassName() !== 'Activation' || nextConfig?.activation !== 'relu') {
        throw new Unsupported(`${layer.name} is not followed by a ReLU`);
      }
      const axis = config.axis as number;
      if (axis !== -1 && axis !== 3) throw new Unsupported(`${layer.name}: axis ${axis}`);
      if (config.center !== true || config.scale !== true) {
        throw new Unsupported(`${layer.name}: without scale or offset`);
      }
      if (ops.at(-1)?.kind !== 'conv' || (ops.at(-1) as ConvOp).activation !== 'linear') {
        throw new Unsupported(`${layer.name} does not follow a linear convolution`);
      }
      ops.push({
        kind: 'batchNormRelu',
        name: layer.name,
        positions: out[0] * out[1] * out[2],
        channels: out[3],
        gamma: weight(layer, 'gamma'),
        beta: weight(layer, 'beta'),
        movingMean: weight(layer, 'moving_mean'),
        movingVariance: weight(layer, 'moving_variance'),
        momentum: config.momentum as number,
        epsilon: config.epsilon as number,
      });
      i++;
    } else if (kind === 'MaxPooling2D') {
      const [py, px] = pair(config.poolSize);
      const [sy, sx] = pair(config.strides ?? config.poolSize);
      if (py !== 2 || px !== 2 || sy !== 2 || sx !== 2 || shape[1] % 2 || shape[2] % 2) {
        throw new Unsupported(`${layer.name}: only 2 x 2 pooling of even sizes`);
      }
      ops.push({ kind: 'maxPool', name: layer.name, large: shape });
    } else if (kind === 'UpSampling2D') {
      const [uy, ux] = pair(config.size);
      if (uy !== 2 || ux !== 2 || (config.interpolation ?? 'nearest') !== 'nearest') {
        throw new Unsupported(`${layer.name}: only 2x nearest upsampling`);
      }
      ops.push({ kind: 'upsample', name: layer.name, large: out });
    } else {
      throw new Unsupported(`${layer.name}: ${kind} layers`);
    }
    shape = out;
  }
  const last = ops.at(-1);
  if (last?.kind !== 'conv' || last.activation !== 'sigmoid' || shape[3] !== 1) {
    throw new Unsupported('the model does not end in a one-channel sigmoid (the Dice loss)');
  }
  const firstOp = ops[0];
  if (firstOp?.kind !== 'conv')
    throw new Unsupported('the model does not start with a convolution');
  return { input, ops, output: shape };
}
