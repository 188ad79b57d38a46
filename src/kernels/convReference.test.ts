import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  convInfo,
  filterGradientReference,
  forwardReference,
  inputGradientReference,
  type ConvCase,
} from './convReference.ts';
import { randomValues, relativeError } from './testValues.ts';

const CASES: ConvCase[] = [
  { xShape: [2, 7, 6, 3], filterShape: [3, 3, 3, 5], stride: 1, pad: 'same' },
  { xShape: [1, 9, 9, 4], filterShape: [7, 7, 4, 2], stride: 2, pad: 'same' },
  { xShape: [3, 5, 8, 2], filterShape: [1, 1, 2, 6], stride: 1, pad: 'valid' },
  { xShape: [1, 8, 8, 3], filterShape: [2, 2, 3, 3], stride: 2, pad: 'valid' },
];

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

describe('the convolution references', () => {
  it.each(CASES)('equal tfjs cpu for $filterShape over $xShape, stride $stride, $pad', (c) => {
    tf.setBackend('cpu');
    const info = convInfo(c);
    const dyShape = [info.batchSize, info.outHeight, info.outWidth, info.outChannels] as const;
    const x = randomValues(1, size(c.xShape));
    const dy = randomValues(2, size(dyShape));
    const expected = tf
      .engine()
      .runKernel(
        tf.Conv2DBackpropFilter,
        { x: tf.tensor4d(x, c.xShape), dy: tf.tensor4d(dy, [...dyShape]) },
        { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filterShape },
      ) as tf.Tensor;
    const reference = filterGradientReference(c, x, dy);
    expect(relativeError(expected.dataSync() as Float32Array, reference)).toBeLessThan(1e-6);
    // Not a vacuous match: the gradient is not all zeros.
    expect(reference.some((v) => Math.abs(v) > 0.1)).toBe(true);

    const w = randomValues(3, size(c.filterShape));
    const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC' as const };
    const y = tf.conv2d(tf.tensor4d(x, c.xShape), tf.tensor4d(w, c.filterShape), c.stride, c.pad);
    const forward = forwardReference(c, x, w);
    expect(relativeError(y.dataSync() as Float32Array, forward)).toBeLessThan(1e-6);
    expect(forward.some((v) => Math.abs(v) > 0.1)).toBe(true);
    const dx = tf
      .engine()
      .runKernel(
        tf.Conv2DBackpropInput,
        { dy: tf.tensor4d(dy, [...dyShape]), filter: tf.tensor4d(w, c.filterShape) },
        { ...attrs, inputShape: c.xShape },
      ) as tf.Tensor;
    const inputGradient = inputGradientReference(c, dy, w);
    expect(relativeError(dx.dataSync() as Float32Array, inputGradient)).toBeLessThan(1e-6);
    expect(inputGradient.some((v) => Math.abs(v) > 0.1)).toBe(true);
    tf.dispose([expected, y, dx]);
  });
});
