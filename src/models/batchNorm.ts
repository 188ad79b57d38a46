/**
 * The models' batch-norm layer: tfjs's BatchNormalization, whose training pass on the WebAssembly
 * backend is two kernels, forward and backward (src/kernels/wasm/batchNormTraining.ts), instead of
 * tfjs's twenty-odd small operations a layer. Same weights, configuration, moving averages and
 * class name, so saved models load as before; inference, other backends and layouts other than
 * channels last are tfjs's own.
 *
 * Where the layer's output goes to a ReLU alone (every batch norm of the SegNet and DenseNet), the
 * kernels take the ReLU too, and the models' Activation layer below passes that output on as it
 * is: batch norm is bound by memory on a CPU, and the ReLU and its gradient were two more passes
 * over each feature map (DenseNet-121: 130 ms of a 2.7 s step on one thread). Which batch norms may
 * is a property of the model being trained (an output of the model must stay as it is), so the
 * training loop asks `fuseBatchNormRelu(model)` to mark them; unmarked, the two layers run apart.
 */
import * as tf from '@tensorflow/tfjs';
import {
  batchNormTraining,
  batchNormTrainingRuns,
  movingAverages,
} from '../kernels/wasm/batchNormTraining.ts';

type BatchNormArgs = Parameters<typeof tf.layers.batchNormalization>[0];
type ActivationArgs = Parameters<typeof tf.layers.activation>[0];

/** tfjs's BatchNormalization class, which the package does not export by name. */
const TfjsBatchNormalization = tf.layers.batchNormalization({}).constructor as new (
  args?: BatchNormArgs,
) => tf.layers.Layer;

/** The fields of tfjs's layer the training pass reads. */
interface BatchNormFields {
  axis: number;
  epsilon: number;
  momentum: number;
  gamma: tf.LayerVariable | null;
  beta: tf.LayerVariable | null;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}

/** tfjs's Activation class, which the package does not export by name. */
const TfjsActivation = tf.layers.activation({ activation: 'linear' }).constructor as new (
  args: ActivationArgs,
) => tf.layers.Layer;

/** Outputs of batch norms that took the ReLU after them (see Activation). */
const reluApplied = new WeakSet<tf.Tensor>();

interface GraphFields {
  inboundNodes: unknown[];
  outboundNodes: { outboundLayer: tf.layers.Layer }[];
}

export class Activation extends TfjsActivation {
  static className = 'Activation';

  /** Whether this is a ReLU. */
  get isRelu(): boolean {
    const { activation } = this as unknown as { activation?: { getClassName(): string } };
    return activation?.getClassName() === 'relu';
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict): tf.Tensor {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    // The batch norm before it took the ReLU already: its output as it is (as a linear
    // activation or an inactive dropout passes its input on; a clone's gradient is a Cast, a
    // copy of the gradient).
    if (input && kwargs.training === true && this.isRelu && reluApplied.has(input)) return input;
    return super.call(inputs, kwargs) as tf.Tensor;
  }
}

/** Whether `layer`, called once, sends its output to a ReLU (the models' Activation) alone. */
function reluFollows(layer: tf.layers.Layer): boolean {
  const { inboundNodes, outboundNodes } = layer as unknown as GraphFields;
  const next = outboundNodes.length === 1 ? outboundNodes[0]?.outboundLayer : undefined;
  return inboundNodes.length === 1 && next instanceof Activation && next.isRelu;
}

export class BatchNormalization extends TfjsBatchNormalization {
  static className = 'BatchNormalization';

  /** Set by fuseBatchNormRelu: the ReLU after it may run in its kernels. */
  reluFused = false;

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict): tf.Tensor {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    const self = this as unknown as BatchNormFields;
    const lastAxis = input !== undefined && (self.axis === -1 || self.axis === input.rank - 1);
    if (
      kwargs.training !== true ||
      !input ||
      input.dtype !== 'float32' ||
      !lastAxis ||
      !self.gamma ||
      !self.beta ||
      !batchNormTrainingRuns()
    ) {
      return super.call(inputs, kwargs) as tf.Tensor;
    }
    const { gamma, beta } = self;
    const relu = this.reluFused && reluFollows(this);
    const out = tf.tidy(() => {
      const [y, mean, variance] = batchNormTraining(
        input,
        gamma.read(),
        beta.read(),
        self.epsilon,
        relu,
      );
      // The moving averages, as tfjs's layer updates them.
      const [movingMean, movingVariance] = movingAverages(
        mean,
        variance,
        self.movingMean.read(),
        self.movingVariance.read(),
        self.momentum,
      );
      self.movingMean.write(movingMean);
      self.movingVariance.write(movingVariance);
      return y;
    });
    if (relu) reluApplied.add(out);
    return out;
  }
}
// Under tfjs's class names: models saved and loaded (checkpoints, exports) take these classes.
for (const layer of [BatchNormalization, Activation]) {
  tf.serialization.registerClass(
    layer as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
  );
}

/**
 * Marks each batch norm of `model` (and of the models nested in it) whose output goes to a ReLU
 * alone, and not out of the model, to take that ReLU into its kernels in training. Returns how
 * many it marked.
 */
export function fuseBatchNormRelu(model: tf.LayersModel): number {
  const outputs = new Set(model.outputs);
  let marked = 0;
  for (const layer of model.layers) {
    if (layer instanceof tf.LayersModel) marked += fuseBatchNormRelu(layer);
    else if (layer instanceof BatchNormalization) {
      const output = layer.output as tf.SymbolicTensor;
      layer.reluFused = reluFollows(layer) && !outputs.has(output);
      if (layer.reluFused) marked += 1;
    }
  }
  return marked;
}

/** A batch-norm layer for the models (tf.layers.batchNormalization's arguments). */
export const batchNormalization = (args: BatchNormArgs): tf.layers.Layer =>
  new BatchNormalization(args);

/** An activation layer for the models (tf.layers.activation's arguments). */
export const activation = (args: ActivationArgs): tf.layers.Layer => new Activation(args);
