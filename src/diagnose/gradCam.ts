/**
 * Grad-CAM (Selvaraju et al. 2017, "Grad-CAM: Visual Explanations from Deep Networks via
 * Gradient-based Localization") for a tfjs LayersModel classifier. s = input size, h, w, c = the
 * split layer's output ('relu' in densenet.ts), k = classes.
 *
 *   x                                   [1, s, s, 3]
 *   A = features(x)                     [1, h, w, c]   input → the split layer
 *   p = head(A)                         [1, k]         the layers after it, re-applied in order
 *   z = logits(A)                       [1, k]         the scores before the softmax
 *   dz[0, class] / dA                   [1, h, w, c]
 *   α = mean of the gradient over h, w  [c]
 *   heat = relu(Σ_c α_c A_c) / its max  [h, w]         0..1
 *   (when nothing is positive: Σ_c α_c A_c rescaled to 0..1, and `positive` is false)
 *   heatToSize(heat, H, W)              [H, W]         bilinear, clipped to 0..1, for an overlay
 *
 * The head shares the classifier's layer objects, hence its trained weights. tfjs counts a layer's
 * uses: each symbolic apply adds one, and disposing a model subtracts one from each of its layers,
 * freeing a layer's weights at zero. So the head's apply makes its layers' count 2; disposing the
 * split brings it back to 1 and the classifier still owns them. The features model is built on the
 * classifier's own graph and adds no count: the split never disposes it (that would free the
 * backbone's weights), and it owns no tensors of its own. Each split leaves a node on the head's
 * layers (tfjs never removes one; no tensors), so their layer.output throws "multiple inbound nodes"
 * afterwards: walk the classifier through its outputs, as chainAfter does, not through layer.output.
 *
 * The gradient is of the paper's score z_c before the softmax (the last Dense layer's linear part,
 * computed from its weights): the probability's gradient p_c (dz_c - Σ_k p_k dz_k) weighs the class
 * against the others and vanishes where the model is unsure of every class or sure of another,
 * leaving an empty map. A head that does not end in a softmax Dense uses its output as the score.
 */
import * as tf from '@tensorflow/tfjs';
import { isWhole, type CropBox } from '../masking/lesionCrop.ts';

export interface GradCamModel {
  /** Input → the split layer's output [batch, h, w, c]; the classifier's layers and graph. */
  features: tf.LayersModel;
  /** [batch, h, w, c] → the classifier's output; re-applies its layers after the split layer. */
  head: tf.LayersModel;
  /** [batch, h, w, c] → the class scores before the softmax (eager, inference mode). */
  logits: (features: tf.Tensor4D) => tf.Tensor2D;
  /**
   * Releases the head's hold on the shared layers. The classifier keeps its weights and still
   * predicts; disposing it (before or after) frees them. Never call features.dispose(). Idempotent.
   */
  dispose(): void;
}

/**
 * Splits a single-input, single-output classifier after the layer named layerName, whose output
 * must feed a chain of single-input layers up to the model's output.
 */
export function splitAtLayer(model: tf.LayersModel, layerName = 'relu'): GradCamModel {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new Error(
      `Grad-CAM needs a model with one input and one output; ${model.name} has ` +
        `${model.inputs.length} and ${model.outputs.length}`,
    );
  }
  if (!model.layers.some((l) => l.name === layerName)) {
    throw new Error(`Grad-CAM: model ${model.name} has no layer named '${layerName}'`);
  }
  const { chain, split } = chainAfter(model, layerName);
  const features = tf.model({
    inputs: model.inputs,
    outputs: split,
    name: `${model.name}_gradcam_features`,
  });
  const input = tf.input({ shape: split.shape.slice(1), name: `${layerName}_features` });
  let y = input;
  for (const layer of chain) y = layer.apply(y) as tf.SymbolicTensor;
  const head = tf.model({ inputs: input, outputs: y, name: `${model.name}_gradcam_head` });
  let disposed = false;
  const last = chain[chain.length - 1] as tf.layers.Layer;
  const softmaxDense =
    last.getClassName() === 'Dense' &&
    (last.getConfig() as { activation?: string }).activation === 'softmax';
  const logits = (a: tf.Tensor4D): tf.Tensor2D => {
    if (!softmaxDense) return head.apply(a, { training: false }) as tf.Tensor2D;
    let y: tf.Tensor = a;
    for (const layer of chain.slice(0, -1)) y = layer.apply(y, { training: false }) as tf.Tensor;
    const [kernel, bias] = last.getWeights();
    const z = tf.matMul(y as tf.Tensor2D, kernel as tf.Tensor2D);
    return (bias ? tf.add(z, bias) : z) as tf.Tensor2D;
  };
  return {
    features,
    head,
    logits,
    dispose() {
      if (disposed) return;
      disposed = true;
      head.dispose();
    },
  };
}

/**
 * Walks back from the model's output through the classifier's own nodes (not nodes that other
 * models, such as an earlier split's head, added to the same layers) to layerName's output.
 */
function chainAfter(
  model: tf.LayersModel,
  layerName: string,
): { chain: tf.layers.Layer[]; split: tf.SymbolicTensor } {
  let tensor = model.outputs[0] as tf.SymbolicTensor;
  const chain: tf.layers.Layer[] = [];
  while (tensor.sourceLayer.name !== layerName) {
    const layer = tensor.sourceLayer;
    const node = layer.inboundNodes[tensor.nodeIndex];
    const from = node?.inputTensors[0];
    if (!node || node.inboundLayers.length === 0 || !from) {
      throw new Error(
        `Grad-CAM: the path back from ${model.name}'s output through single-input layers ` +
          `reaches the input without passing '${layerName}'`,
      );
    }
    if (node.inputTensors.length !== 1 || node.outputTensors.length !== 1) {
      throw new Error(
        `Grad-CAM: the layers after '${layerName}' are not a simple chain: '${layer.name}' ` +
          `takes ${node.inputTensors.length} inputs and gives ${node.outputTensors.length} outputs`,
      );
    }
    chain.unshift(layer);
    tensor = from;
  }
  if (chain.length === 0) {
    throw new Error(`Grad-CAM: '${layerName}' is ${model.name}'s output; no head follows it`);
  }
  return { chain, split: tensor };
}

/**
 * Grad-CAM of class classIndex for one image x [1, s, s, 3]: heat [h, w] in 0..1 and the head's
 * probabilities [k] for the same pass. Inference mode: dropout off, batch-norm moving statistics.
 */
export function gradCam(
  split: GradCamModel,
  x: tf.Tensor4D,
  classIndex: number,
): { heat: tf.Tensor2D; probabilities: tf.Tensor1D; positive: tf.Scalar } {
  if (x.rank !== 4 || x.shape[0] !== 1) {
    throw new Error(`Grad-CAM takes one image [1, s, s, 3]; got [${x.shape.join(', ')}]`);
  }
  const classes = split.head.outputs[0]?.shape[1];
  if (split.head.outputs[0]?.rank !== 2 || typeof classes !== 'number') {
    throw new Error('Grad-CAM needs a head that gives [batch, classes]');
  }
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= classes) {
    throw new Error(`Grad-CAM: class index ${classIndex} is not in 0..${classes - 1}`);
  }
  return tf.tidy(() => {
    const a = split.features.apply(x, { training: false }) as tf.Tensor4D;
    if (a.rank !== 4) {
      throw new Error(`Grad-CAM needs features [1, h, w, c]; got [${a.shape.join(', ')}]`);
    }
    // dy = one-hot row: the gradient of z[0, classIndex] alone.
    const dy = tf.cast(
      tf.oneHot(tf.tensor1d([classIndex], 'int32'), classes),
      'float32',
    ) as tf.Tensor2D;
    const grad = tf.grad((features: tf.Tensor) => split.logits(features as tf.Tensor4D))(a, dy);
    const value = split.head.apply(a, { training: false }) as tf.Tensor2D;
    const weights = tf.mean(grad, [0, 1, 2]); // [c]
    const raw = tf.sum(tf.mul(tf.squeeze(a, [0]), weights), -1) as tf.Tensor2D;
    const cam = tf.relu(raw);
    const top = tf.max(cam);
    // No region raises the score (common for a model unsure of the class, on a coarse map): show
    // where it is lowered least instead of an empty map, and say so through `positive`.
    const low = tf.min(raw);
    const relative = tf.divNoNan(tf.sub(raw, low), tf.sub(tf.max(raw), low));
    const heat = tf.where(tf.greater(top, 0), tf.divNoNan(cam, top), relative) as tf.Tensor2D;
    return {
      heat,
      probabilities: tf.reshape(value, [classes]) as tf.Tensor1D,
      positive: tf.greater(top, 0).toFloat() as tf.Scalar,
    };
  });
}

/**
 * A heat map of the lesion's square `box` (what the classifier saw of a crop) placed in the whole
 * `size` x `size` image, zero outside the square; the map itself when the box is the whole image.
 */
export function heatInBox(heat: tf.Tensor2D, box: CropBox, size: number): tf.Tensor2D {
  if (isWhole(box, size)) return tf.clone(heat);
  return tf.tidy(() => {
    const left = Math.round(box.x);
    const top = Math.round(box.y);
    const side = Math.max(1, Math.min(Math.round(box.side), size - left, size - top));
    return tf.pad(heatToSize(heat, side, side), [
      [top, size - top - side],
      [left, size - left - side],
    ]) as tf.Tensor2D;
  });
}

/** The heat map bilinearly resized (half-pixel centres) to height x width, clipped to 0..1. */
export function heatToSize(heat: tf.Tensor2D, height: number, width: number): tf.Tensor2D {
  if (![height, width].every((n) => Number.isInteger(n) && n > 0)) {
    throw new Error(`Heat map size must be positive whole pixels; got ${height} x ${width}`);
  }
  return tf.tidy(() => {
    const resized = tf.image.resizeBilinear(
      tf.expandDims(heat, -1) as tf.Tensor3D,
      [height, width],
      false,
      true,
    );
    return tf.clipByValue(tf.squeeze(resized, [2]), 0, 1) as tf.Tensor2D;
  });
}
