import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DENSENET_QUICK, buildDenseNet, buildDenseNetParts } from './densenet.ts';
import {
  copyWeightsByName,
  copyWeightsFromFile,
  summarizeImport,
  type WeightImportReport,
} from './importWeights.ts';
import type { WeightFile } from './weights/weightFile.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Gives every weight seeded values: small ones, and moving variances around 1. */
function randomize(model: tf.LayersModel, seed: number): void {
  const values = model.weights.map((w, i) => {
    const shape = w.shape as number[];
    return w.name.includes('moving_variance')
      ? tf.randomUniform(shape, 0.5, 1.5, 'float32', seed + i)
      : tf.randomUniform(shape, -0.2, 0.2, 'float32', seed + i);
  });
  model.setWeights(values);
  tf.dispose(values);
}

function weightedNames(model: tf.LayersModel): string[] {
  return model.layers.filter((l) => l.weights.length > 0).map((l) => l.name);
}

async function save(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return saved as tf.io.ModelArtifacts;
}

/** Largest absolute difference of two models' predictions on the same batch. */
function difference(a: (x: tf.Tensor) => tf.Tensor, b: (x: tf.Tensor) => tf.Tensor): number {
  return tf.tidy(() => {
    const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 11);
    return tf.max(tf.abs(tf.sub(a(x), b(x)))).dataSync()[0] as number;
  });
}

const predict = (model: tf.LayersModel) => (x: tf.Tensor) => model.predict(x) as tf.Tensor;

describe('copyWeightsByName', () => {
  it('copies a saved and reloaded model into a fresh one: identical predictions, no leaks', async () => {
    const start = tf.memory().numTensors;
    const original = buildDenseNet(DENSENET_QUICK);
    randomize(original, 1);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(await save(original)));
    const fresh = buildDenseNet(DENSENET_QUICK);
    expect(difference(predict(original), predict(fresh))).toBeGreaterThan(1e-3);

    const before = tf.memory().numTensors;
    const report = copyWeightsByName(loaded, fresh);
    expect(tf.memory().numTensors).toBe(before);
    expect(report).toEqual({
      matched: weightedNames(fresh),
      shapeMismatch: [],
      missingInSource: [],
      unusedInSource: [],
    });
    // 1 stem conv + 1 BN, 6 conv blocks of 2 convs and 2 BNs, 2 transitions of a conv and a BN,
    // the final BN and 'predictions'.
    expect(report.matched).toHaveLength(2 + 6 * 4 + 2 * 2 + 1 + 1);
    expect(summarizeImport(report)).toBe('Loaded 32 of 32 layers with weights.');

    // The copy outlives its source.
    loaded.dispose();
    expect(difference(predict(original), predict(fresh))).toBe(0);
    original.dispose();
    fresh.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('leaves a layer of another width alone and copies the rest', () => {
    const start = tf.memory().numTensors;
    const source = buildDenseNet({ ...DENSENET_QUICK, classes: 4 });
    randomize(source, 2);
    const target = buildDenseNet(DENSENET_QUICK);
    const kept = tf.tidy(() => target.getLayer('predictions').getWeights()[0]?.clone());
    const report = copyWeightsByName(source, target);
    expect(report.shapeMismatch).toEqual([
      { layer: 'predictions', expected: [[32, 3], [3]], found: [[32, 4], [4]] },
    ]);
    expect(report.matched).toEqual(weightedNames(target).filter((n) => n !== 'predictions'));
    expect(report.missingInSource).toEqual([]);
    expect(report.unusedInSource).toEqual([]);
    expect(summarizeImport(report)).toBe(
      'Loaded 31 of 32 layers with weights. ' +
        '1 did not match: predictions (expected [32, 3] [3], found [32, 4] [4]).',
    );
    const same = (a: tf.Tensor | undefined, b: tf.Tensor | undefined) =>
      tf.tidy(() => a !== undefined && b !== undefined && tf.equal(a, b).all().dataSync()[0] === 1);
    const sourceKernel = source.getLayer('conv1/conv').getWeights()[0];
    expect(same(target.getLayer('conv1/conv').getWeights()[0], sourceKernel)).toBe(true);
    expect(same(target.getLayer('predictions').getWeights()[0], kept)).toBe(true);
    tf.dispose(kept);
    source.dispose();
    target.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it("maps Keras 3's underscore names ('conv1_conv', 'conv1_bn') to Keras 2's", async () => {
    const original = buildDenseNet(DENSENET_QUICK);
    randomize(original, 3);
    const artifacts = await save(original);
    // What a Keras 3 DenseNet converted with tensorflowjs_converter looks like.
    const keras3 = <T>(value: T): T =>
      JSON.parse(JSON.stringify(value).replaceAll('conv1/', 'conv1_'));
    const renamed = {
      ...artifacts,
      modelTopology: keras3(artifacts.modelTopology),
      weightSpecs: keras3(artifacts.weightSpecs),
    };
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(renamed));
    expect(loaded.layers.map((l) => l.name)).toContain('conv1_conv');
    expect(loaded.layers.map((l) => l.name)).not.toContain('conv1/conv');
    const fresh = buildDenseNet(DENSENET_QUICK);
    const report = copyWeightsByName(loaded, fresh);
    expect(report.matched).toEqual(weightedNames(fresh));
    expect(report.matched).toContain('conv1/conv');
    expect(report.unusedInSource).toEqual([]);
    expect(difference(predict(original), predict(fresh))).toBe(0);
    [original, loaded, fresh].forEach((m) => m.dispose());
  });

  it('moves weights from the parts into the full model and back', () => {
    const start = tf.memory().numTensors;
    const parts = buildDenseNetParts(DENSENET_QUICK);
    randomize(parts.backbone, 4);
    randomize(parts.head, 5);
    const chained = (x: tf.Tensor) => parts.head.predict(parts.backbone.predict(x)) as tf.Tensor;
    const full = buildDenseNet(DENSENET_QUICK);

    const fromBackbone = copyWeightsByName(parts.backbone, full);
    expect(fromBackbone.matched).toEqual(weightedNames(parts.backbone));
    expect(fromBackbone.missingInSource).toEqual(['predictions']);
    const backboneNames = new Set(fromBackbone.matched);
    const fromHead = copyWeightsByName(parts.head, full, { only: (n) => !backboneNames.has(n) });
    expect(fromHead).toEqual({
      matched: ['predictions'],
      shapeMismatch: [],
      missingInSource: [],
      unusedInSource: [],
    });
    expect(difference(predict(full), chained)).toBe(0);

    const back = buildDenseNetParts(DENSENET_QUICK);
    const toBackbone = copyWeightsByName(full, back.backbone);
    expect(toBackbone.unusedInSource).toEqual(['predictions']);
    const toHead = copyWeightsByName(full, back.head);
    expect(toHead.matched).toEqual(['predictions']);
    expect(toHead.unusedInSource).toHaveLength(backboneNames.size);
    const backChained = (x: tf.Tensor) => back.head.predict(back.backbone.predict(x)) as tf.Tensor;
    expect(difference(predict(full), backChained)).toBe(0);

    [parts.backbone, parts.head, full, back.backbone, back.head].forEach((m) => m.dispose());
    expect(tf.memory().numTensors).toBe(start);
  });

  it('opens up a nested model, as a Keras backbone inside a Sequential', () => {
    const { backbone } = buildDenseNetParts(DENSENET_QUICK);
    randomize(backbone, 6);
    const sequential = tf.sequential({
      layers: [
        backbone,
        tf.layers.globalAveragePooling2d({ name: 'avg_pool' }),
        tf.layers.dense({ units: 3, activation: 'softmax', name: 'predictions' }),
      ],
    });
    const full = buildDenseNet(DENSENET_QUICK);
    const report = copyWeightsByName(sequential, full);
    expect(report.matched).toEqual(weightedNames(full));
    expect(difference(predict(sequential), predict(full))).toBe(0);
    sequential.dispose();
    full.dispose();
  });
});

describe('summarizeImport', () => {
  it('lists what did not load, shortened', () => {
    const report: WeightImportReport = {
      matched: ['a', 'b'],
      shapeMismatch: [],
      missingInSource: ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7'],
      unusedInSource: ['u1'],
    };
    expect(summarizeImport(report)).toBe(
      'Loaded 2 of 9 layers with weights. 7 not in the file: m1, m2, m3, m4, m5 and 2 more. ' +
        '1 in the file unused: u1.',
    );
  });
});

/** A WeightFile over a model's own weights, as a reader would give them (values copied out). */
function fileOf(
  model: tf.LayersModel,
  match: WeightFile['match'],
  rename: (layer: tf.layers.Layer, index: number) => string = (layer) => layer.name,
): WeightFile & { reads: string[] } {
  const reads: string[] = [];
  const layers = model.layers
    .filter((layer) => layer.weights.length > 0)
    .map((layer, index) => {
      const values = layer.getWeights().map((w) => w.dataSync().slice() as Float32Array);
      const name = rename(layer, index);
      return {
        name,
        className: layer.getClassName(),
        shapes: layer.weights.map((w) => w.shape as number[]),
        read: () => (reads.push(name), values),
      };
    });
  return { format: 'test', match, layers, close: () => undefined, reads };
}

describe('copyWeightsFromFile', () => {
  it('copies by name, each layer read once when copied: identical predictions, no leaks', () => {
    const original = buildDenseNet(DENSENET_QUICK);
    randomize(original, 3);
    const file = fileOf(original, 'name');
    const fresh = buildDenseNet(DENSENET_QUICK);
    const before = tf.memory().numTensors;
    const report = copyWeightsFromFile(file, fresh);
    expect(tf.memory().numTensors).toBe(before);
    expect(report.matched).toEqual(weightedNames(fresh));
    expect(report.missingInSource).toEqual([]);
    expect(file.reads).toEqual(weightedNames(fresh));
    expect(difference(predict(original), predict(fresh))).toBe(0);
    original.dispose();
    fresh.dispose();
  });

  it('copies by order within each Keras class when the file names layers by class and counter', () => {
    const original = buildDenseNet(DENSENET_QUICK);
    randomize(original, 4);
    const counters = new Map<string, number>();
    // Keras 3 without name attributes: conv2d, conv2d_1, …; batch_normalization, …
    const file = fileOf(original, 'order', (layer) => {
      const kind = layer.getClassName().toLowerCase();
      const n = counters.get(kind) ?? 0;
      counters.set(kind, n + 1);
      return n === 0 ? kind : `${kind}_${n}`;
    });
    const fresh = buildDenseNet(DENSENET_QUICK);
    const report = copyWeightsFromFile(file, fresh);
    expect(report.matched).toHaveLength(weightedNames(fresh).length);
    expect(report.unusedInSource).toEqual([]);
    expect(difference(predict(original), predict(fresh))).toBe(0);
    original.dispose();
    fresh.dispose();
  });

  it('leaves a layer whose shapes differ, and reports what the file lacks and what it has over', () => {
    const original = buildDenseNet({ ...DENSENET_QUICK, classes: 5 });
    const file = fileOf(original, 'name');
    file.layers.push({ name: 'extra', shapes: [[1]], read: () => [new Float32Array(1)] });
    const missing = file.layers.findIndex((l) => l.name === 'conv1/bn');
    file.layers.splice(missing, 1);
    const fresh = buildDenseNet(DENSENET_QUICK);
    const report = copyWeightsFromFile(file, fresh);
    expect(report.shapeMismatch.map((m) => m.layer)).toEqual(['predictions']);
    expect(report.missingInSource).toEqual(['conv1/bn']);
    expect(report.unusedInSource).toEqual(['extra']);
    expect(file.reads).not.toContain('predictions');
    original.dispose();
    fresh.dispose();
  });
});
