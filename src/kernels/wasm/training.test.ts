import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDenseNet } from '../../models/densenet.ts';
import { DENSENET_QUICK } from '../../models/densenetConfig.ts';
import { buildSegNet } from '../../models/segnet.ts';
import { registerTrainingKernels } from '../register.ts';
import { randomValues } from '../testValues.ts';

beforeAll(() => registerTrainingKernels());
afterAll(async () => {
  await tf.setBackend('cpu');
});

type Steps = { losses: [number, number]; tensors: [number, number] };

/** Two SGD steps of a model on the active backend, from the given weights, on a batch of 2. */
async function twoSteps(
  model: tf.LayersModel,
  weights: Float32Array[],
  input: Float32Array,
  target: Float32Array,
  loss: string,
): Promise<Steps> {
  const initial = model.getWeights().map((w, i) => tf.tensor(weights[i] ?? [], w.shape));
  model.setWeights(initial);
  tf.dispose(initial);
  const shapeOf = (symbolic: tf.SymbolicTensor | undefined) => [
    2,
    ...((symbolic?.shape.slice(1) ?? []) as number[]),
  ];
  const xs = tf.tensor(input, shapeOf(model.inputs[0]));
  const ys = tf.tensor(target, shapeOf(model.outputs[0]));
  const optimizer = tf.train.sgd(0.05);
  model.compile({ optimizer, loss });
  const step = async (): Promise<[number, number]> => [
    (await model.trainOnBatch(xs, ys)) as number,
    tf.memory().numTensors,
  ];
  const [first, second] = [await step(), await step()];
  model.dispose();
  optimizer.dispose();
  tf.dispose([xs, ys]);
  return { losses: [first[0], second[0]], tensors: [first[1], second[1]] };
}

describe('training on wasm', () => {
  const SIZE = { segnet: 16, densenet: DENSENET_QUICK.inputSize };
  it.each([
    {
      name: 'SegNet',
      build: () =>
        buildSegNet({ inputSize: SIZE.segnet, encoder: [[8], [16]], batchNormMomentum: 0.8 }),
      size: SIZE.segnet,
      loss: 'binaryCrossentropy',
      target: randomValues(5, 2 * SIZE.segnet * SIZE.segnet).map((v) => (v > 0 ? 1 : 0)),
    },
    {
      name: 'DenseNet',
      // Without dropout, which draws differently on each backend.
      build: () => buildDenseNet({ ...DENSENET_QUICK, dropout: 0 }),
      size: SIZE.densenet,
      loss: 'categoricalCrossentropy',
      target: Float32Array.from([1, 0, 0, 0, 0, 1]),
    },
  ])(
    "$name: two steps give the cpu backend's losses, with no tensor left behind",
    async ({ build, size, loss, target }) => {
      await tf.setBackend('cpu');
      const reference = build();
      const weights = reference.getWeights().map((w) => w.dataSync() as Float32Array);
      const input = randomValues(4, 2 * size * size * 3).map((v) => v * 0.5 + 0.5);
      const cpu = await twoSteps(reference, weights, input, target, loss);

      await tf.setBackend('wasm');
      const tensors = tf.memory().numTensors;
      const data = tf.engine().backend.numDataIds();
      const wasm = await twoSteps(build(), weights, input, target, loss);
      expect(wasm.losses[0]).toBeCloseTo(cpu.losses[0], 4);
      expect(wasm.losses[1]).toBeCloseTo(cpu.losses[1], 4);
      // The loss moved: the gradients reached the weights.
      expect(wasm.losses[1]).not.toBeCloseTo(wasm.losses[0], 3);
      expect(wasm.tensors[1]).toBe(wasm.tensors[0]);
      expect(tf.memory().numTensors).toBe(tensors);
      expect(tf.engine().backend.numDataIds()).toBe(data);
    },
  );
});
