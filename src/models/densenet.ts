/**
 * DenseNet (Huang et al. 2017) with the layer names of Keras' Applications DenseNet
 * (keras/applications/densenet.py, Keras 2 / tf.keras), so that Keras weights load by name
 * (importWeights.ts). k = growthRate, c = running channel count, s = inputSize.
 *
 *   input 'input_1'                         [batch, s, s, 3], pixels in 0..1
 *   'color_constancy' (optional)            shades of grey: each channel over its 6-norm
 *   'imagenet_preprocess' (optional)        (x - ImageNet mean) / ImageNet std
 *   stem: ZeroPad 3, Conv 7x7/2 'conv1/conv', BN, ReLU, ZeroPad 1, MaxPool 3x3/2 'pool1'
 *                                           [batch, s/4, s/4, initialFilters]
 *   dense block i 'conv{i+2}', blocks[i] x conv block 'conv{i+2}_block{j}':
 *     BN-ReLU-Conv1x1(4k)-BN-ReLU-Conv3x3(k), concatenated to its input   c += k each
 *   transition 'pool{i+2}' after every dense block but the last:
 *     BN-ReLU-Conv1x1(floor(c * compression))-AvgPool 2x2/2              halves h, w
 *   'bn', 'relu'                            [batch, h, w, c]; DenseNet-121 at 224: [b, 7, 7, 1024]
 *   head (densenetConfig.ts, DenseNetHead)  [batch, classes], softmax
 *
 * Pure: builds and returns the model; compiling and fitting live in src/training.
 */
import * as tf from '@tensorflow/tfjs';
import { activation, batchNormalization } from './batchNorm.ts';
import { conv2d } from './conv2d.ts';
import {
  DENSENET_121_BACKBONE,
  DENSENET_QUICK,
  describeDenseNet,
  type DenseNetConfig,
  type DenseNetHead,
} from './densenetConfig.ts';

export {
  DENSENET_121_BACKBONE,
  DENSENET_QUICK,
  describeDenseNet,
  type DenseNetConfig,
  type DenseNetHead,
};

/** Keras' batch-norm epsilon in every DenseNet layer. */
const BN_EPSILON = 1.001e-5;
/** The ImageNet channel statistics of Keras' preprocess_input, mode 'torch'. */
const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

interface ImageNetNormalizationArgs extends LayerArgs {
  /** Per-channel mean subtracted from inputs in 0..1 (ImageNet's by default). */
  mean?: number[];
  /** Per-channel standard deviation the result is divided by (ImageNet's by default). */
  std?: number[];
}

/**
 * Keras' DenseNet preprocess_input for images already divided by 255: (x - mean) / std per
 * channel. Weightless; registered so that saved models load again.
 */
export class ImageNetNormalization extends tf.layers.Layer {
  static className = 'ImageNetNormalization';
  private readonly channelMean: number[];
  private readonly channelStd: number[];

  constructor(args: ImageNetNormalizationArgs = {}) {
    super(args);
    this.channelMean = args.mean ?? IMAGENET_MEAN;
    this.channelStd = args.std ?? IMAGENET_STD;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (x === undefined) throw new Error('ImageNetNormalization needs an input');
    return tf.tidy(() =>
      tf.div(tf.sub(x, tf.tensor1d(this.channelMean)), tf.tensor1d(this.channelStd)),
    );
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), mean: this.channelMean, std: this.channelStd };
  }
}
tf.serialization.registerClass(ImageNetNormalization);

/** Minkowski norm of the shades-of-grey estimate: 6, as Barata et al. found best for dermoscopy. */
const GREY_NORM = 6;

/**
 * Shades-of-grey colour constancy (Finlayson and Trezzi, 2004), per image: the illuminant of each
 * channel is estimated as the channel's 6-norm over the image, and each channel is divided by its
 * share of the estimate, so a photo taken under yellower or bluer light comes out as if under
 * grey light. Dermoscopes differ in their light; this makes a model trained on one archive's
 * photos see another's alike. The black outside a mask adds nothing to any channel, so masked
 * images are corrected by their lesion's colours. Weightless; registered for saved models.
 */
export class ColorConstancy extends tf.layers.Layer {
  static className = 'ColorConstancy';

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (x === undefined) throw new Error('ColorConstancy needs an input');
    return tf.tidy(() => {
      // [b, 1, 1, 3]: each channel's 6-norm, then as a share of their mean (grey light: all 1).
      const norm = tf.pow(tf.mean(tf.pow(tf.relu(x), GREY_NORM), [1, 2], true), 1 / GREY_NORM);
      const share = tf.div(tf.add(norm, 1e-6), tf.add(tf.mean(norm, -1, true), 1e-6));
      return tf.clipByValue(tf.div(x, share), 0, 1);
    });
  }
}
tf.serialization.registerClass(ColorConstancy);

/** The full classifier (or the backbone alone, with head 'none'). */
export function buildDenseNet(config: DenseNetConfig): tf.LayersModel {
  checkConfig(config);
  const input = tf.input({ shape: [config.inputSize, config.inputSize, 3], name: 'input_1' });
  const features = backbone(input, config);
  const output = config.head === 'none' ? features : head(features, config);
  return tf.model({ inputs: input, outputs: output, name: modelName(config) });
}

/**
 * The backbone (head 'none', ending at 'relu') and the head as a model of its own whose input
 * 'features' takes the backbone's output. The head's layers carry the full model's names, so
 * weights move between the parts and the full model by layer name.
 */
export function buildDenseNetParts(config: DenseNetConfig): {
  backbone: tf.LayersModel;
  head: tf.LayersModel;
} {
  if (config.head === 'none') {
    throw new Error("DenseNet parts need a head; this config's head is 'none'");
  }
  const backboneModel = buildDenseNet({ ...config, head: 'none' });
  const shape = backboneModel.outputs[0]?.shape.slice(1) as number[];
  const features = tf.input({ shape, name: 'features' });
  const headModel = tf.model({
    inputs: features,
    outputs: head(features, config),
    name: `${modelName(config)}_head`,
  });
  return { backbone: backboneModel, head: headModel };
}

/** Keras' model names: densenet121, densenet169, densenet201, else densenet. */
function modelName(config: DenseNetConfig): string {
  const label = describeDenseNet(config).match(/^DenseNet-(\d+),/);
  return label ? `densenet${label[1]}` : 'densenet';
}

/** Edge of the backbone's output for an input edge, or 0 when a downsampling runs out of pixels. */
function featureSize(inputSize: number, transitions: number): number {
  // Conv 7x7/2 after a 3-pixel pad, then MaxPool 3x3/2 after a 1-pixel pad: both ⌊(s - 1) / 2⌋ + 1.
  const stem = (s: number) => Math.floor((s - 1) / 2) + 1;
  let size = inputSize < 1 ? 0 : stem(stem(inputSize));
  for (let t = 0; t < transitions; t++) size = Math.floor(size / 2);
  return size;
}

function checkConfig(config: DenseNetConfig): void {
  const { blocks, inputSize, growthRate, initialFilters, compression } = config;
  if (blocks.length === 0 || blocks.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`DenseNet needs at least one dense block of at least one conv block`);
  }
  if (growthRate < 1 || initialFilters < 1 || !(compression > 0 && compression <= 1)) {
    throw new Error('DenseNet needs growthRate and initialFilters ≥ 1 and compression in (0, 1]');
  }
  const downsamplings = 2 + blocks.length - 1;
  if (!Number.isInteger(inputSize) || featureSize(inputSize, blocks.length - 1) < 1) {
    let minimum = 1;
    while (featureSize(minimum, blocks.length - 1) < 1) minimum++;
    throw new Error(
      `DenseNet input size ${inputSize} is too small for ${downsamplings} downsamplings ` +
        `(stem conv, pool1 and ${blocks.length - 1} transitions): it needs at least ${minimum} px`,
    );
  }
}

function apply(layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) {
  return layer.apply(x) as tf.SymbolicTensor;
}

function batchNorm(x: tf.SymbolicTensor, name: string, config: DenseNetConfig) {
  const momentum = config.batchNormMomentum ?? 0.99;
  return apply(batchNormalization({ axis: -1, epsilon: BN_EPSILON, momentum, name }), x);
}

function relu(x: tf.SymbolicTensor, name: string) {
  return apply(activation({ activation: 'relu', name }), x);
}

function conv(x: tf.SymbolicTensor, filters: number, kernelSize: number, name: string) {
  const padding = kernelSize === 3 ? 'same' : 'valid';
  return apply(conv2d({ filters, kernelSize, padding, useBias: false, name }), x);
}

function channels(x: tf.SymbolicTensor): number {
  return x.shape[x.shape.length - 1] as number;
}

function backbone(input: tf.SymbolicTensor, config: DenseNetConfig): tf.SymbolicTensor {
  let x = input;
  if (config.colorConstancy) x = apply(new ColorConstancy({ name: 'color_constancy' }), x);
  if (config.imagenetPreprocess)
    x = apply(new ImageNetNormalization({ name: 'imagenet_preprocess' }), x);
  x = apply(
    tf.layers.zeroPadding2d({
      padding: [
        [3, 3],
        [3, 3],
      ],
      name: 'zero_padding2d',
    }),
    x,
  );
  x = apply(
    conv2d({
      filters: config.initialFilters,
      kernelSize: 7,
      strides: 2,
      useBias: false,
      name: 'conv1/conv',
    }),
    x,
  );
  x = relu(batchNorm(x, 'conv1/bn', config), 'conv1/relu');
  x = apply(
    tf.layers.zeroPadding2d({
      padding: [
        [1, 1],
        [1, 1],
      ],
      name: 'zero_padding2d_1',
    }),
    x,
  );
  x = apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1' }), x);
  config.blocks.forEach((convBlocks, i) => {
    for (let j = 1; j <= convBlocks; j++) x = convBlock(x, `conv${i + 2}_block${j}`, config);
    if (i < config.blocks.length - 1) x = transition(x, `pool${i + 2}`, config);
  });
  return relu(batchNorm(x, 'bn', config), 'relu');
}

function convBlock(x: tf.SymbolicTensor, name: string, config: DenseNetConfig) {
  let x1 = relu(batchNorm(x, `${name}_0_bn`, config), `${name}_0_relu`);
  x1 = conv(x1, 4 * config.growthRate, 1, `${name}_1_conv`);
  x1 = relu(batchNorm(x1, `${name}_1_bn`, config), `${name}_1_relu`);
  x1 = conv(x1, config.growthRate, 3, `${name}_2_conv`);
  return apply(tf.layers.concatenate({ axis: -1, name: `${name}_concat` }), [x, x1]);
}

function transition(x: tf.SymbolicTensor, name: string, config: DenseNetConfig) {
  const filters = Math.floor(channels(x) * config.compression);
  if (filters < 1) throw new Error(`DenseNet transition ${name} would keep no channels`);
  let y = relu(batchNorm(x, `${name}_bn`, config), `${name}_relu`);
  y = conv(y, filters, 1, `${name}_conv`);
  return apply(tf.layers.averagePooling2d({ poolSize: 2, strides: 2, name: `${name}_pool` }), y);
}

/**
 * The three classes' probabilities from a classifier's output [b, k]: the output itself for a
 * three-class head; for a head that also learned an "other" class (k = 4, other last), the first
 * three renormalised, which is the softmax over their logits alone: the answer among the three
 * classes, which is all the app scores.
 */
export function threeClassProbabilities(output: tf.Tensor2D): tf.Tensor2D {
  const classes = output.shape[1];
  if (classes === THREE_CLASSES) return output;
  if (classes !== THREE_CLASSES + 1) {
    throw new Error(`A classifier gives 3 or 4 class probabilities, not ${classes}`);
  }
  return tf.tidy(() => {
    const three = tf.slice(output, [0, 0], [-1, THREE_CLASSES]);
    return tf.div(three, tf.maximum(tf.sum(three, -1, true), 1e-12)) as tf.Tensor2D;
  });
}

/** nevus, melanoma, seborrheic keratosis (the dataset's CLASSES; models sit below the dataset). */
const THREE_CLASSES = 3;

function head(features: tf.SymbolicTensor, config: DenseNetConfig): tf.SymbolicTensor {
  const predictions = tf.layers.dense({
    units: config.classes,
    activation: 'softmax',
    name: 'predictions',
  });
  const dropout = () => tf.layers.dropout({ rate: config.dropout, name: 'head_dropout' });
  switch (config.head) {
    case 'gap': {
      const pooled = apply(tf.layers.globalAveragePooling2d({ name: 'avg_pool' }), features);
      return apply(predictions, apply(dropout(), pooled));
    }
    case 'seed': {
      const flat = apply(tf.layers.flatten({ name: 'flatten' }), features);
      const fc1 = apply(tf.layers.dense({ units: 1024, activation: 'relu', name: 'fc1' }), flat);
      return apply(predictions, apply(dropout(), fc1));
    }
    case 'imagenet':
      return apply(
        predictions,
        apply(tf.layers.globalAveragePooling2d({ name: 'avg_pool' }), features),
      );
    case 'none':
      return features;
  }
}
