/**
 * A file of weights read layer by layer (Keras HDF5, Keras 3 `.weights.h5`, PyTorch
 * `.safetensors`), in the app's Keras layout: each reader maps its file's names and layouts to
 * Keras layer names and weight orders, so one copier (importWeights.ts) loads any of them into a
 * Layers model. Values are read only when a layer is copied: at most one layer's arrays are held.
 */

/** One layer's weights, as the Keras layer of that name holds them. */
export interface FileLayer {
  /**
   * The Keras layer name (`conv1/conv`, `conv2_block1_1_conv`, `bn`), or, where the file names
   * layers by class and counter only (Keras 3 without a `name` attribute), that group's name.
   */
  name: string;
  /**
   * The Keras class the weights belong to where the file says it (`Conv2D`, `BatchNormalization`,
   * `Dense`), for matching by order; undefined where the file does not say.
   */
  className?: string;
  /**
   * Each weight's shape, in the Keras layer's order: kernel then bias; gamma, beta, moving_mean,
   * moving_variance. Kernels are HWIO (Conv2D) or [in, out] (Dense).
   */
  shapes: number[][];
  /** The values, in `shapes`' order and layout. */
  read: () => Float32Array[];
}

export interface WeightFile {
  /** What the file is, for the report: `Keras HDF5 (legacy)`, `Keras 3 .weights.h5`, `safetensors (torchvision DenseNet-121)`. */
  format: string;
  /**
   * How the layers match the model's: by Keras layer name, or by order within each Keras class
   * (Keras 3 files name groups `conv2d_5`, not by layer).
   */
  match: 'name' | 'order';
  /** In the file's model order where it has one. */
  layers: FileLayer[];
  /** Releases the file (unmounts it, frees the library's memory). */
  close: () => void;
}

/** A file that is not what it claims, or not a weights file this app reads: the reason says which. */
export class WeightFileError extends Error {}
