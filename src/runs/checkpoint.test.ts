import '../training/browserLike.testSetup.ts';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSegNet } from '../models/segnet.ts';
import { deleteRun, loadModel, restoreOptimizer, saveCheckpoint } from './checkpoint.ts';
import { listRuns, loadRun } from './runs.ts';
import { testRun } from './testRuns.ts';
import { diceLoss } from '../training/segmentationLoss.ts';

const SIZE = 8;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function compiled(): { model: tf.LayersModel; optimizer: tf.Optimizer } {
  const model = buildSegNet({ inputSize: SIZE, encoder: [[2]] });
  const optimizer = tf.train.adam(1e-2);
  model.compile({ optimizer, loss: diceLoss });
  return { model, optimizer };
}

describe('checkpoints', () => {
  it('save the model and optimizer so that training resumes exactly where it stopped', async () => {
    const x = tf.randomUniform([2, SIZE, SIZE, 3], 0, 1, 'float32', 3);
    const y = tf.cast(
      tf.greater(tf.randomUniform([2, SIZE, SIZE, 1], 0, 1, 'float32', 4), 0.5),
      'float32',
    );
    const { model, optimizer } = compiled();
    await model.trainOnBatch(x, y);
    await saveCheckpoint(
      model,
      optimizer,
      testRun({
        id: 'run-1',
        createdAt: '2026-01-01',
        config: { inputSize: SIZE },
        datasetRevision: 3,
        bestValue: 0.5,
      }),
      true,
    );

    // Resume: the stored model and a new optimizer given the stored state.
    const loaded = await loadModel('segnet', 'run-1', 'latest');
    const resumedOptimizer = tf.train.adam(1e-2);
    loaded.compile({ optimizer: resumedOptimizer, loss: diceLoss });
    expect(await restoreOptimizer(resumedOptimizer, 'run-1')).toBe(true);

    // The next step gives the same loss and the same weights in both.
    const a = (await model.trainOnBatch(x, y)) as number;
    const b = (await loaded.trainOnBatch(x, y)) as number;
    expect(b).toBeCloseTo(a, 5);
    const difference = tf.tidy(() =>
      Math.max(
        ...model
          .getWeights()
          .map(
            (w, i) =>
              tf
                .max(tf.abs(tf.sub(w, loaded.getWeights()[i] as tf.Tensor)))
                .dataSync()[0] as number,
          ),
      ),
    );
    expect(difference).toBeLessThan(1e-5);
    expect((await loadRun('run-1'))?.epochsDone).toBe(1);
    await expect(loadModel('segnet', 'run-1', 'best')).resolves.toBeDefined();
    tf.dispose([x, y]);
    model.dispose();
    loaded.dispose();
  });

  it('lists runs newest first and deletes a run with its models', async () => {
    const { model, optimizer } = compiled();
    await saveCheckpoint(
      model,
      optimizer,
      testRun({
        id: 'run-2',
        createdAt: '2026-02-01',
        config: { inputSize: SIZE },
        datasetRevision: 3,
        bestValue: 0.5,
      }),
      false,
    );
    expect((await listRuns('segnet')).map((r) => r.id)).toEqual(['run-2', 'run-1']);
    await expect(loadModel('segnet', 'run-2', 'best')).rejects.toThrow();

    await deleteRun({ id: 'run-1', kind: 'segnet' });
    expect((await listRuns()).map((r) => r.id)).toEqual(['run-2']);
    await expect(loadModel('segnet', 'run-1', 'latest')).rejects.toThrow();
    expect(await restoreOptimizer(tf.train.adam(1e-2), 'run-1')).toBe(false);
    model.dispose();
  });
});
