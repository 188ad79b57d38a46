/**
 * The SegNet's configurations, apart from the builder (segnet.ts) so that the page can show and
 * pick them without loading tfjs.
 */

export interface SegNetConfig {
  /** Edge of the square input in pixels; divisible by 2 ** encoder.length. */
  inputSize: number;
  /** Filters of each Conv-BN-ReLU layer, per encoder block; the decoder mirrors them. */
  encoder: number[][];
  /**
   * Momentum of the batch-norm moving statistics that inference uses (Keras' default, 0.99, in
   * the seed, and when unset). Short runs need less, or validation sees statistics that lag far behind training.
   */
  batchNormMomentum?: number;
}

/** The seed recipe: 200 px, blocks of 16,16 | 32,32 | 64,64,64. */
export const SEGNET_SEED: SegNetConfig = {
  inputSize: 200,
  encoder: [
    [16, 16],
    [32, 32],
    [64, 64, 64],
  ],
  batchNormMomentum: 0.99,
};

/** Tiny widths for demos and tests: trains in seconds even on a software GPU. */
export const SEGNET_QUICK: SegNetConfig = {
  inputSize: 24,
  encoder: [[8], [16], [16]],
  batchNormMomentum: 0.8,
};

/**
 * The `cpu` preset's SegNet: 64 px and four blocks of two convolutions (8 | 16 | 32 | 64 filters),
 * so the deepest features see most of the image while the full-resolution layers stay narrow.
 */
export const SEGNET_CPU: SegNetConfig = {
  inputSize: 64,
  encoder: [
    [8, 8],
    [16, 16],
    [32, 32],
    [64, 64],
  ],
  batchNormMomentum: 0.9,
};
