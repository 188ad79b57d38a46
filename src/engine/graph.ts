/**
 * What the engine trains, read from a tfjs model: its layers as the engine's operations in forward
 * order, each reading and writing a view of a buffer, and the loss. A model the engine cannot run
 * whole (another layer kind, a shape the kernels do not take) gets `null` and a reason, and trains
 * through tfjs.
 *
 * The models it reads are the app's:
 * - the SegNet of every preset: Conv2D (odd square kernels, 'same' or 1 x 1), batch norm + ReLU,
 *   2 x 2 max pooling, 2x upsampling, ending in a one-channel sigmoid (the Dice loss);
 * - DenseNet (buildDenseNet, any size) and its frozen head: the 7 x 7 / 2 stem after its zero
 *   padding, 3 x 3 / 2 max pooling, conv blocks whose new channels are concatenated to their
 *   input, transitions with 2 x 2 average pooling, then global average pooling or a flatten, dense
 *   layers, dropout, and a softmax (the cross-entropy loss), with colour constancy or ImageNet
 *   normalization in front (forward only: nothing before them needs a gradient).
 *
 * Concatenation makes no copies. Each run of concatenations shares one buffer, as wide as its last
 * output (a dense block's): every layer writes its new channels into that buffer at their channel
 * offset and reads the channels before them as a view (the memory-efficient DenseNet layout). A
 * view is a buffer, a shape, the floats between positions (`stride`) and the first channel.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ConvGeometry } from './kernels/gemm.ts';

export type Shape4 = [number, number, number, number];

export interface View {
  /** Index into Graph.storages. */
  storage: number;
  shape: Shape4;
  stride: number;
  channel: number;
}

export interface Storage {
  floats: number;
  label: string;
}

interface OpBase {
  name: string;
  x: View;
  y: View;
}

export interface ConvOp extends OpBase {
  /** A Conv2D, or a Dense as a 1 x 1 convolution of a 1 x 1 image. */
  kind: 'conv';
  geometry: ConvGeometry;
  kernel: tf.LayerVariable;
  bias: tf.LayerVariable | null;
  /** 'softmax' only on the last layer: the loss applies it. */
  activation: 'linear' | 'relu' | 'sigmoid' | 'softmax';
}

export interface BatchNormReluOp extends OpBase {
  kind: 'batchNormRelu';
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

export interface PoolOp extends OpBase {
  kind: 'maxPool' | 'avgPool';
  window: number;
  stride: number;
  pad: number;
}

export interface SimpleOp extends OpBase {
  kind: 'upsample' | 'globalPool';
}

export interface DropoutOp extends OpBase {
  kind: 'dropout';
  rate: number;
}

export interface ColorConstancyOp extends OpBase {
  kind: 'colorConstancy';
}

export interface NormalizeOp extends OpBase {
  /** ImageNet normalization: (x - mean) / std per channel. */
  kind: 'normalize';
  mean: number[];
  std: number[];
}

export type Op =
  ConvOp | BatchNormReluOp | PoolOp | SimpleOp | DropoutOp | ColorConstancyOp | NormalizeOp;

/** Operations on the batch before any weight, whose input gradient nothing needs. */
export const isPreprocess = (op: Op): op is ColorConstancyOp | NormalizeOp =>
  op.kind === 'colorConstancy' || op.kind === 'normalize';

export type LossKind = 'dice' | 'crossEntropy';

export interface Graph {
  input: View;
  ops: Op[];
  output: View;
  loss: LossKind;
  /** The targets' shape: [batch, h, w, 1] masks for the Dice loss, [batch, classes] one-hot. */
  target: number[];
  storages: Storage[];
}

export type GraphResult = { graph: Graph; reason?: undefined } | { graph: null; reason: string };

/** Whether a view is its whole buffer, laid out as its shape. */
export const dense = (view: View): boolean => view.channel === 0 && view.stride === view.shape[3];
