/**
 * The models' 2-D convolution layer: tfjs's Conv2D, except that in training a convolution without
 * bias or activation (every one of DenseNet's) runs as `tf.conv2d` rather than tfjs's
 * `tf.fused.conv2d`. The fused op's gradient is a custom gradient that computes the input's
 * gradient whether or not anything needs it, and keeps the output for it: the first convolution's
 * input gradient, of the image itself, took 330 ms of a 2.8 s DenseNet-121 step on WebAssembly
 * (a 4 x 112 x 112 x 64 gradient back through the 7 x 7 stride-2 kernel, on XNNPACK's one thread).
 * `tf.conv2d`'s registered gradient gives each input's gradient only when the backward pass asks
 * for it, which there is the kernel's alone. Same weights, configuration and class name, so saved
 * models load as before; inference and convolutions with a bias or an activation are tfjs's own.
 */
import * as tf from '@tensorflow/tfjs';

type Conv2DArgs = Parameters<typeof tf.layers.conv2d>[0];

/** tfjs's Conv2D class, which the package does not export by name. */
const TfjsConv2D = tf.layers.conv2d({ filters: 1, kernelSize: 1 }).constructor as new (
  args: Conv2DArgs,
) => tf.layers.Layer;

/** The fields of tfjs's layer the training pass reads. */
interface Conv2DFields {
  rank: number;
  kernel: tf.LayerVariable;
  bias: tf.LayerVariable | null;
  strides: [number, number];
  padding: string;
  dataFormat: string;
  dilationRate: [number, number];
  activation: { getClassName(): string } | null;
}

export class Conv2D extends TfjsConv2D {
  static className = 'Conv2D';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict): tf.Tensor {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    const self = this as unknown as Conv2DFields;
    const activation = self.activation?.getClassName() ?? 'linear';
    if (
      kwargs.training !== true ||
      !input ||
      input.rank !== 4 ||
      self.rank !== 2 ||
      self.bias !== null ||
      activation !== 'linear' ||
      self.dataFormat !== 'channelsLast' ||
      (self.padding !== 'same' && self.padding !== 'valid')
    ) {
      return super.call(inputs, kwargs) as tf.Tensor;
    }
    return tf.conv2d(
      input as tf.Tensor4D,
      self.kernel.read() as tf.Tensor4D,
      self.strides,
      self.padding,
      'NHWC',
      self.dilationRate,
    );
  }
}
// Under tfjs's class name: models saved and loaded (checkpoints, exports) take this class.
tf.serialization.registerClass(
  Conv2D as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
);

/** A convolution layer for the models (tf.layers.conv2d's arguments). */
export const conv2d = (args: Conv2DArgs): tf.layers.Layer => new Conv2D(args);
