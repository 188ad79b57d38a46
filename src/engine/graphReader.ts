/**
 * Reads a tfjs model as the engine's graph (graph.ts): each layer translated into operations on
 * values, then every value given a view of a buffer, a run of concatenations sharing its last
 * output's. Anything the engine has no kernel for throws Unsupported, which `readGraph` turns into
 * the reason the model trains through tfjs.
 */
import type * as tf from '@tensorflow/tfjs';
import {
  dense,
  isPreprocess,
  type ConvOp,
  type Graph,
  type GraphResult,
  type LossKind,
  type Op,
  type Shape4,
  type Storage,
  type View,
} from './graph.ts';
import type { ConvGeometry } from './kernels/gemm.ts';

class Unsupported extends Error {}

type Config = Record<string, unknown>;

/** A layer's output before buffers are assigned. */
interface Value {
  shape: Shape4;
  /** Set by a concatenation that takes this value as its part at `channel`. */
  place: { of: Value; channel: number } | null;
  /** A flatten's output: the same floats as `of`, reshaped. */
  reshapeOf: Value | null;
  /** A ZeroPadding2D's output: `of` padded by `pad` on every side, for the next conv or pool. */
  padded: { of: Value; pad: number } | null;
}

const value = (shape: Shape4, extra: Partial<Value> = {}): Value => ({
  shape,
  place: null,
  reshapeOf: null,
  padded: null,
  ...extra,
});

const pair = (v: unknown): [number, number] =>
  Array.isArray(v) ? [v[0] as number, v[1] as number] : [v as number, v as number];

/** The weight of a layer by its short name (kernel, bias, gamma, ...). */
function weight(layer: tf.layers.Layer, short: string): tf.LayerVariable {
  const found = layer.weights.find((w) => w.name.split('/').pop()?.replace(/_\d+$/, '') === short);
  if (!found) throw new Unsupported(`${layer.name} has no ${short}`);
  return found;
}

function optionalWeight(layer: tf.layers.Layer, short: string): tf.LayerVariable | null {
  return layer.weights.some((w) => w.name.split('/').pop()?.replace(/_\d+$/, '') === short)
    ? weight(layer, short)
    : null;
}

/** The engine's operations for `model` at batch size `batch`, or why there are none. */
export function readGraph(model: tf.LayersModel, batch: number): GraphResult {
  try {
    return { graph: new Reader(model, batch).read() };
  } catch (error) {
    if (error instanceof Unsupported) return { graph: null, reason: error.message };
    throw error;
  }
}

/** An operation before its values have views. */
type Pending = Op extends infer O
  ? O extends Op
    ? Omit<O, 'x' | 'y'> & { x: Value; y: Value }
    : never
  : never;

class Reader {
  private readonly values = new Map<tf.layers.Layer, Value>();
  private readonly pending: Pending[] = [];
  private readonly consumed = new Set<tf.layers.Layer>();

  constructor(
    private readonly model: tf.LayersModel,
    private readonly batch: number,
  ) {}

  read(): Graph {
    const { model } = this;
    if (model.inputs.length !== 1 || model.outputs.length !== 1) {
      throw new Unsupported('the model has more than one input or output');
    }
    const layers = model.layers;
    const first = layers[0];
    if (!first || first.getClassName() !== 'InputLayer') throw new Unsupported('no input layer');
    const input = value(this.shapeOf(first));
    this.values.set(first, input);
    for (const layer of layers.slice(1)) {
      if (this.consumed.has(layer)) continue;
      this.values.set(layer, this.translate(layer));
    }
    const last = layers.at(-1) as tf.layers.Layer;
    const output = this.values.get(last) as Value;
    const lastOp = this.pending.at(-1);
    if (lastOp?.y !== output || lastOp.kind !== 'conv') {
      throw new Unsupported('the model does not end in a convolution or dense layer');
    }
    const activation = (lastOp as unknown as ConvOp).activation;
    let loss: LossKind;
    let target: number[];
    if (activation === 'sigmoid' && output.shape[3] === 1) {
      loss = 'dice';
      target = output.shape;
    } else if (activation === 'softmax' && output.shape[1] === 1 && output.shape[2] === 1) {
      loss = 'crossEntropy';
      target = [this.batch, output.shape[3]];
    } else {
      throw new Unsupported(
        'the model ends in neither a one-channel sigmoid (the Dice loss) nor a softmax',
      );
    }
    if (
      this.pending.some(
        (op) => op !== lastOp && (op as { activation?: string }).activation === 'softmax',
      )
    ) {
      throw new Unsupported('a softmax before the last layer');
    }
    return this.resolve(input, output, loss, target);
  }

  private shapeOf(layer: tf.layers.Layer): Shape4 {
    const shape = layer.outputShape as (number | null)[];
    if (shape.slice(1).some((d) => d === null)) {
      throw new Unsupported(`${layer.name} has output shape ${JSON.stringify(shape)}`);
    }
    if (shape.length === 4) return [this.batch, ...(shape.slice(1) as [number, number, number])];
    if (shape.length === 2) return [this.batch, 1, 1, shape[1] as number];
    throw new Unsupported(`${layer.name} has output shape ${JSON.stringify(shape)}`);
  }

  private inbound(layer: tf.layers.Layer): tf.layers.Layer[] {
    const nodes = layer.inboundNodes;
    if (nodes.length !== 1) throw new Unsupported(`${layer.name} is applied more than once`);
    return nodes[0]?.inboundLayers ?? [];
  }

  private only(layer: tf.layers.Layer): Value {
    const inbound = this.inbound(layer);
    const source = inbound[0];
    if (inbound.length !== 1 || !source) throw new Unsupported(`${layer.name} has several inputs`);
    const found = this.values.get(source);
    if (!found) throw new Unsupported(`${layer.name} reads ${source.name}, not read yet`);
    return found;
  }

  /** The input of a conv or pool, unwrapping a zero padding in front of it. */
  private padded(layer: tf.layers.Layer): { x: Value; pad: number } {
    const x = this.only(layer);
    return x.padded ? { x: x.padded.of, pad: x.padded.pad } : { x, pad: 0 };
  }

  private plain(layer: tf.layers.Layer): Value {
    const x = this.only(layer);
    if (x.padded) throw new Unsupported(`${layer.name} reads a zero padding`);
    return x;
  }

  private push(op: Pending): Value {
    this.pending.push(op);
    return op.y;
  }

  private translate(layer: tf.layers.Layer): Value {
    const config = layer.getConfig() as Config;
    const kind = layer.getClassName();
    const name = layer.name;
    switch (kind) {
      case 'ColorConstancy':
      case 'ImageNetNormalization': {
        const x = this.plain(layer);
        const inFront = this.pending.every((op) => isPreprocess(op as unknown as Op));
        if (!inFront || x.shape[3] !== 3 || layer.weights.length > 0) {
          throw new Unsupported(`${name}: ${kind} only in front, on 3 channels`);
        }
        const y = value(x.shape);
        if (kind === 'ColorConstancy') return this.push({ kind: 'colorConstancy', name, x, y });
        const mean = config.mean as number[];
        const std = config.std as number[];
        return this.push({ kind: 'normalize', name, x, y, mean, std });
      }
      case 'ZeroPadding2D': {
        const padding = config.padding as [[number, number], [number, number]];
        const all = padding.flat();
        if (all.some((p) => p !== all[0])) throw new Unsupported(`${name}: uneven padding`);
        const x = this.plain(layer);
        const pad = all[0] as number;
        return value([x.shape[0], x.shape[1] + 2 * pad, x.shape[2] + 2 * pad, x.shape[3]], {
          padded: { of: x, pad },
        });
      }
      case 'Conv2D':
        return this.conv(layer, config);
      case 'Dense':
        return this.dense(layer, config);
      case 'BatchNormalization':
        return this.batchNormRelu(layer, config);
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        const [py, px] = pair(config.poolSize);
        const [sy, sx] = pair(config.strides ?? config.poolSize);
        const { x, pad } = this.padded(layer);
        const max = kind === 'MaxPooling2D';
        if (py !== px || sy !== sx || config.padding !== 'valid' || (!max && pad > 0)) {
          throw new Unsupported(
            `${name}: only square 'valid' windows (max pooling after a zero padding)`,
          );
        }
        const y = value(this.shapeOf(layer));
        return this.push({
          kind: max ? 'maxPool' : 'avgPool',
          name,
          x,
          y,
          window: py,
          stride: sy,
          pad,
        });
      }
      case 'UpSampling2D': {
        const [uy, ux] = pair(config.size);
        if (uy !== 2 || ux !== 2 || (config.interpolation ?? 'nearest') !== 'nearest') {
          throw new Unsupported(`${name}: only 2x nearest upsampling`);
        }
        return this.push({
          kind: 'upsample',
          name,
          x: this.plain(layer),
          y: value(this.shapeOf(layer)),
        });
      }
      case 'GlobalAveragePooling2D':
        return this.push({
          kind: 'globalPool',
          name,
          x: this.plain(layer),
          y: value(this.shapeOf(layer)),
        });
      case 'Dropout': {
        const x = this.plain(layer);
        return this.push({
          kind: 'dropout',
          name,
          x,
          y: value(x.shape),
          rate: config.rate as number,
        });
      }
      case 'Flatten': {
        const x = this.plain(layer);
        return value([this.batch, 1, 1, x.shape[1] * x.shape[2] * x.shape[3]], { reshapeOf: x });
      }
      case 'Concatenate':
        return this.concatenate(layer, config);
      default:
        throw new Unsupported(`${name}: ${kind} layers`);
    }
  }

  private conv(layer: tf.layers.Layer, config: Config): Value {
    const name = layer.name;
    const [kh, kw] = pair(config.kernelSize);
    const [sy, sx] = pair(config.strides);
    const [dy, dx] = pair(config.dilationRate ?? 1);
    const activation = config.activation as string;
    if (sy !== sx || dy !== 1 || dx !== 1)
      throw new Unsupported(`${name}: uneven strides or dilation`);
    if (config.dataFormat !== 'channelsLast') throw new Unsupported(`${name}: channels first`);
    const { x, pad: zeroPad } = this.padded(layer);
    let pad = zeroPad;
    if (config.padding === 'same' && kh > 1) {
      if (kh % 2 !== 1 || sy !== 1 || zeroPad > 0) {
        throw new Unsupported(`${name}: 'same' padding only for odd kernels at stride 1`);
      }
      pad = (kh - 1) / 2;
    }
    if (kh !== kw) throw new Unsupported(`${name}: only square kernels`);
    if (activation !== 'linear' && activation !== 'sigmoid' && activation !== 'relu') {
      throw new Unsupported(`${name}: activation ${activation}`);
    }
    if (sy !== 1 && !this.pending.every((op) => isPreprocess(op as unknown as Op))) {
      throw new Unsupported(`${name}: strided convolutions only first (no input gradient)`);
    }
    const y = value(this.shapeOf(layer));
    return this.push({
      kind: 'conv',
      name,
      x,
      y,
      geometry: this.geometry(x.shape, y.shape, kh, sy, pad),
      kernel: weight(layer, 'kernel'),
      bias: config.useBias === true ? weight(layer, 'bias') : null,
      activation,
    });
  }

  private dense(layer: tf.layers.Layer, config: Config): Value {
    const x = this.plain(layer);
    const activation = config.activation as string;
    if (activation !== 'linear' && activation !== 'relu' && activation !== 'softmax') {
      throw new Unsupported(`${layer.name}: activation ${activation}`);
    }
    if (x.shape[1] !== 1 || x.shape[2] !== 1)
      throw new Unsupported(`${layer.name}: input not flat`);
    const y = value(this.shapeOf(layer));
    return this.push({
      kind: 'conv',
      name: layer.name,
      x,
      y,
      geometry: this.geometry(x.shape, y.shape, 1, 1, 0),
      kernel: weight(layer, 'kernel'),
      bias: optionalWeight(layer, 'bias'),
      activation,
    });
  }

  private geometry(x: Shape4, y: Shape4, k: number, stride: number, pad: number): ConvGeometry {
    return {
      batch: this.batch,
      inH: x[1],
      inW: x[2],
      inC: x[3],
      outH: y[1],
      outW: y[2],
      outC: y[3],
      kh: k,
      kw: k,
      stride,
      pad,
      // Filled in when views are assigned (resolve).
      outStride: y[3],
      outChannel: 0,
    };
  }

  private batchNormRelu(layer: tf.layers.Layer, config: Config): Value {
    const name = layer.name;
    const outbound = layer.outboundNodes;
    const relu = outbound[0]?.outboundLayer;
    const reluConfig = relu?.getConfig() as Config | undefined;
    if (
      outbound.length !== 1 ||
      relu?.getClassName() !== 'Activation' ||
      reluConfig?.activation !== 'relu'
    ) {
      throw new Unsupported(`${name} is not followed by a ReLU alone`);
    }
    const axis = config.axis as number;
    if (axis !== -1 && axis !== 3) throw new Unsupported(`${name}: axis ${axis}`);
    if (config.center !== true || config.scale !== true) {
      throw new Unsupported(`${name}: without scale or offset`);
    }
    const x = this.plain(layer);
    const y = value(x.shape);
    this.consumed.add(relu);
    this.values.set(relu, y);
    return this.push({
      kind: 'batchNormRelu',
      name,
      x,
      y,
      positions: x.shape[0] * x.shape[1] * x.shape[2],
      channels: x.shape[3],
      gamma: weight(layer, 'gamma'),
      beta: weight(layer, 'beta'),
      movingMean: weight(layer, 'moving_mean'),
      movingVariance: weight(layer, 'moving_variance'),
      momentum: config.momentum as number,
      epsilon: config.epsilon as number,
    });
  }

  private concatenate(layer: tf.layers.Layer, config: Config): Value {
    const axis = config.axis as number;
    if (axis !== -1 && axis !== 3) throw new Unsupported(`${layer.name}: axis ${axis}`);
    const parts = this.inbound(layer).map((l) => this.values.get(l));
    const y = value(this.shapeOf(layer));
    let channel = 0;
    for (const part of parts) {
      if (!part || part.place || part.reshapeOf || part.padded) {
        throw new Unsupported(`${layer.name}: a part is already placed elsewhere`);
      }
      part.place = { of: y, channel };
      channel += part.shape[3];
    }
    return y;
  }

  /** Gives every value a view: a run of concatenations shares its last output's buffer. */
  private resolve(input: Value, output: Value, loss: LossKind, target: number[]): Graph {
    const storages: Storage[] = [];
    const roots = new Map<Value, number>();
    const viewOf = (v: Value): View => {
      if (v.reshapeOf) {
        const of = viewOf(v.reshapeOf);
        if (!dense(of)) throw new Unsupported('a flatten of a view');
        return { ...of, shape: v.shape, stride: v.shape[3] };
      }
      let root = v;
      let channel = 0;
      while (root.place) {
        channel += root.place.channel;
        root = root.place.of;
      }
      let storage = roots.get(root);
      if (storage === undefined) {
        storage = storages.length;
        storages.push({ floats: floats(root.shape), label: `values ${storage}` });
        roots.set(root, storage);
      }
      return { storage, shape: v.shape, stride: root.shape[3], channel };
    };
    const inputView = viewOf(input);
    if (!dense(inputView)) throw new Unsupported('the input is concatenated');
    const ops: Op[] = this.pending.map((p) => {
      const op = { ...p, x: viewOf(p.x), y: viewOf(p.y) } as Op;
      // Only batch norm reads a view; pools and convolutions write one.
      const readsView = op.kind === 'batchNormRelu';
      const writesView = op.kind === 'conv' || op.kind === 'maxPool' || op.kind === 'avgPool';
      if (!readsView && !dense(op.x))
        throw new Unsupported(`${op.name} reads part of a concatenation`);
      if (!writesView && !dense(op.y)) throw new Unsupported(`${op.name}'s output is concatenated`);
      if (op.kind === 'conv') {
        op.geometry = { ...op.geometry, outStride: op.y.stride, outChannel: op.y.channel };
      }
      return op;
    });
    const outputView = viewOf(output);
    if (!dense(outputView)) throw new Unsupported('the output is concatenated');
    return { input: inputView, ops, output: outputView, loss, target, storages };
  }
}

const floats = (shape: Shape4) => shape[0] * shape[1] * shape[2] * shape[3];
