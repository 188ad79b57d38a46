/**
 * The models' batch-norm layer: tfjs's BatchNormalization, whose training pass on the WebAssembly
 * backend is two kernels, forward and backward (src/kernels/wasm/batchNormTraining.ts), instead of
 * tfjs's twenty-odd small operations a layer. Same weights, configuration, moving averages and
 * class name, so saved models load as before; inference, other backends and layouts other than
 * channels last are tfjs's own.
 */
import * as tf from '@tensorflow/tfjs';
import { batchNormTraining, batchNormTrainingRuns } from '../kernels/wasm/batchNormTraining.ts';

type BatchNormArgs = Parameters<typeof tf.layers.batchNormalization>[0];

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

export class BatchNormalization extends TfjsBatchNormalization {
  static className = 'BatchNormalization';

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
    return tf.tidy(() => {
      const [y, mean, variance] = batchNormTraining(input, gamma.read(), beta.read(), self.epsilon);
      // The moving averages, as tfjs's layer updates them.
      for (const [moving, value] of [
        [self.movingMean, mean],
        [self.movingVariance, variance],
      ] as const) {
        tf.tidy(() => {
          const original = moving.read();
          moving.write(tf.sub(original, tf.mul(tf.sub(original, value), 1 - self.momentum)));
        });
      }
      return y;
    });
  }
}
// Under tfjs's class name: models saved and loaded (checkpoints, exports) take this class.
tf.serialization.registerClass(
  BatchNormalization as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
);

/** A batch-norm layer for the models (tf.layers.batchNormalization's arguments). */
export const batchNormalization = (args: BatchNormArgs): tf.layers.Layer =>
  new BatchNormalization(args);
