/**
 * The DenseNet classifier's configurations, apart from the builder (densenet.ts) so that the page
 * can show and pick them without loading tfjs.
 */

/**
 * What follows the backbone's last 'relu':
 * - 'gap': GlobalAveragePooling2D 'avg_pool' → Dropout 'head_dropout' → Dense softmax 'predictions'
 * - 'seed': Flatten 'flatten' → Dense(1024, relu) 'fc1' → Dropout 'head_dropout' → Dense softmax
 *   'predictions' (the seed recipe's head)
 * - 'imagenet': Keras' include_top, GlobalAveragePooling2D 'avg_pool' → Dense softmax 'predictions'
 * - 'none': no head; the model ends at 'relu' with [batch, h, w, channels]
 */
export type DenseNetHead = 'gap' | 'seed' | 'imagenet' | 'none';

export interface DenseNetConfig {
  /** Edge of the square input in pixels (224 for the ImageNet weights). */
  inputSize: number;
  /** Conv blocks per dense block: [6, 12, 24, 16] is DenseNet-121; one transition between each. */
  blocks: number[];
  /** Channels each conv block adds to the running concatenation (k in the paper; 32 in Keras). */
  growthRate: number;
  /** Filters of the 7x7 stem convolution 'conv1/conv' (64 in Keras). */
  initialFilters: number;
  /** Fraction of channels a transition keeps, floored (Keras' `reduction`, 0.5). */
  compression: number;
  /** The layers after the backbone (see DenseNetHead). */
  head: DenseNetHead;
  /** Number of output classes of 'predictions'; unused with head 'none'. */
  classes: number;
  /** Rate of 'head_dropout' in the 'gap' and 'seed' heads. */
  dropout: number;
  /**
   * Insert the 'imagenet_preprocess' layer after the input: inputs in 0..1 become
   * (x - ImageNet mean) / ImageNet std, as Keras' DenseNet preprocess_input does; use it with
   * ImageNet weights.
   */
  imagenetPreprocess: boolean;
  /**
   * Insert the 'color_constancy' layer first: shades-of-grey colour constancy per image, so that
   * photos under different dermoscope lights look alike to the network (densenet.ts).
   */
  colorConstancy?: boolean;
  /** Momentum of the batch-norm moving statistics (Keras' 0.99 when unset); short runs need less. */
  batchNormMomentum?: number;
}

/** Keras' DenseNet121 backbone at 224 px with a small pooled softmax head for three classes. */
export const DENSENET_121_BACKBONE: DenseNetConfig = {
  inputSize: 224,
  blocks: [6, 12, 24, 16],
  growthRate: 32,
  initialFilters: 64,
  compression: 0.5,
  head: 'gap',
  classes: 3,
  dropout: 0.5,
  imagenetPreprocess: false,
  batchNormMomentum: 0.99,
};

/** A tiny DenseNet for demos and CI: builds and trains a step in moments on a software GPU. */
export const DENSENET_QUICK: DenseNetConfig = {
  inputSize: 32,
  blocks: [2, 2, 2],
  growthRate: 8,
  initialFilters: 16,
  compression: 0.5,
  head: 'gap',
  classes: 3,
  dropout: 0.2,
  imagenetPreprocess: false,
  batchNormMomentum: 0.8,
};

/**
 * A DenseNet-BC sized for training from scratch on a CPU (the `cpu` preset): 48 px, three dense
 * blocks of 4, 6 and 8 conv blocks, growth 16, with shades-of-grey colour constancy in front.
 * About 0.31 M parameters; docs/performance.md has the sizes measured against it.
 */
export const DENSENET_CPU: DenseNetConfig = {
  inputSize: 48,
  blocks: [4, 6, 8],
  growthRate: 16,
  initialFilters: 32,
  compression: 0.5,
  head: 'gap',
  classes: 3,
  dropout: 0.2,
  imagenetPreprocess: false,
  batchNormMomentum: 0.9,
  colorConstancy: true,
};

/** Keras' named variants: all have growth 32 and a 64-filter stem. */
const KERAS_VARIANTS: Record<string, number> = {
  '6-12-24-16': 121,
  '6-12-32-32': 169,
  '6-12-48-32': 201,
};

/** A short label: "DenseNet-121, 224 px" for Keras' variants, else "DenseNet 2-2-2, growth 8, 32 px". */
export function describeDenseNet(config: DenseNetConfig): string {
  const blocks = config.blocks.join('-');
  const depth = KERAS_VARIANTS[blocks];
  if (depth !== undefined && config.growthRate === 32 && config.initialFilters === 64) {
    return `DenseNet-${depth}, ${config.inputSize} px`;
  }
  return `DenseNet ${blocks}, growth ${config.growthRate}, ${config.inputSize} px`;
}

/** Whether the config is Keras' DenseNet-121 (whose ImageNet weights the app can import). */
export function isDenseNet121(config: DenseNetConfig): boolean {
  return (
    config.blocks.join('-') === '6-12-24-16' &&
    config.growthRate === 32 &&
    config.initialFilters === 64
  );
}
