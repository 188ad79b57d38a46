import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDenseNet, buildDenseNetParts } from '../models/densenet.ts';
import { DENSENET_QUICK } from '../models/densenetConfig.ts';
import { buildSegNet } from '../models/segnet.ts';
import { SEGNET_CPU, SEGNET_QUICK, SEGNET_SEED } from '../models/segnetConfig.ts';
import { dense, type ConvOp } from './graph.ts';
import { readGraph } from './graphReader.ts';
import { UniformLayout } from './kernels/uniforms.ts';
import { optimizerKind } from './optimizerState.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('readGraph', () => {
  it.each([
    ['seed', SEGNET_SEED, 14],
    ['cpu', SEGNET_CPU, 16],
    ['quick', SEGNET_QUICK, 6],
  ])(
    'reads the %s SegNet as convolutions, batch norms, poolings and upsamplings',
    (_, config, layers) => {
      const model = buildSegNet(config);
      try {
        const { graph, reason } = readGraph(model, 4);
        expect(reason).toBeUndefined();
        if (!graph) throw new Error('no graph');
        const count = (kind: string) => graph.ops.filter((op) => op.kind === kind).length;
        expect(count('conv')).toBe(layers + 1);
        expect(count('batchNormRelu')).toBe(layers);
        expect(count('maxPool')).toBe(config.encoder.length);
        expect(count('upsample')).toBe(config.encoder.length);
        const size = config.inputSize;
        expect(graph.input.shape).toEqual([4, size, size, 3]);
        expect(graph.output.shape).toEqual([4, size, size, 1]);
        expect(graph.loss).toBe('dice');
        expect(graph.target).toEqual([4, size, size, 1]);
        // A chain: every value is a buffer of its own, read and written whole.
        expect(graph.storages).toHaveLength(graph.ops.length + 1);
        expect(graph.ops.every((op) => dense(op.x) && dense(op.y))).toBe(true);
        const head = graph.ops.at(-1) as ConvOp;
        expect(head).toMatchObject({ kind: 'conv', activation: 'sigmoid' });
        expect(head.geometry).toMatchObject({ kh: 1, pad: 0, outC: 1, batch: 4 });
        const first = graph.ops[0] as ConvOp;
        expect(first.geometry).toMatchObject({ inC: 3, kh: 3, pad: 1, inH: size, outH: size });
        // Every weight of the model has its place in an operation.
        const used = graph.ops.flatMap((op) =>
          op.kind === 'conv'
            ? [op.kernel, op.bias as tf.LayerVariable]
            : op.kind === 'batchNormRelu'
              ? [op.gamma, op.beta, op.movingMean, op.movingVariance]
              : [],
        );
        expect(new Set(used)).toEqual(new Set(model.weights));
      } finally {
        model.dispose();
      }
    },
  );

  it.each([
    ['fine-tune (quick)', DENSENET_QUICK],
    ['the seed head', { ...DENSENET_QUICK, head: 'seed' as const }],
    ['colour constancy in front', { ...DENSENET_QUICK, colorConstancy: true }],
  ])('reads a DenseNet, %s, with each dense block in one buffer', (_, config) => {
    const model = buildDenseNet(config);
    try {
      const { graph, reason } = readGraph(model, 2);
      expect(reason).toBeUndefined();
      if (!graph) throw new Error('no graph');
      expect(graph.loss).toBe('crossEntropy');
      expect(graph.target).toEqual([2, 3]);
      const front = config.colorConstancy ? 1 : 0;
      expect(graph.ops.slice(0, front).map((op) => op.kind)).toEqual(
        config.colorConstancy ? ['colorConstancy'] : [],
      );
      const stem = graph.ops[front] as ConvOp;
      expect(stem.geometry).toMatchObject({ kh: 7, stride: 2, pad: 3, inH: 32, outH: 16 });
      const pool = graph.ops[front + 2];
      expect(pool).toMatchObject({ kind: 'maxPool', window: 3, stride: 2, pad: 1 });
      // The stem's pooled output is the first channels of block 1's buffer (16 + 2 · 8 wide).
      expect(pool?.y).toMatchObject({ shape: [2, 8, 8, 16], stride: 32, channel: 0 });
      // Each conv block's 3 x 3 convolution writes its 8 channels at its offset in the block.
      const grows = graph.ops.filter((op) => op.name.endsWith('_2_conv')) as ConvOp[];
      expect(grows).toHaveLength(6);
      expect(grows.slice(0, 2).map((op) => [op.y.channel, op.y.stride])).toEqual([
        [16, 32],
        [24, 32],
      ]);
      expect(grows[0]?.geometry).toMatchObject({ outStride: 32, outChannel: 16, pad: 1 });
      // The conv blocks' first batch norms read the block's channels so far, as views.
      const first = graph.ops.find((op) => op.name === 'conv2_block2_0_bn');
      expect(first?.x).toMatchObject({ shape: [2, 8, 8, 24], stride: 32, channel: 0 });
      expect(first?.x.storage).toBe(pool?.y.storage);
      const bias = config.head === 'seed' ? 2 : 1;
      const convs = graph.ops.filter((op) => op.kind === 'conv') as ConvOp[];
      expect(convs.filter((op) => op.bias !== null)).toHaveLength(bias);
      const last = graph.ops.at(-1) as ConvOp;
      expect(last).toMatchObject({ name: 'predictions', activation: 'softmax' });
      expect(last.geometry).toMatchObject({ inH: 1, inW: 1, outC: 3, kh: 1 });
      const used = graph.ops.flatMap((op) =>
        op.kind === 'conv'
          ? [op.kernel, ...(op.bias ? [op.bias] : [])]
          : op.kind === 'batchNormRelu'
            ? [op.gamma, op.beta, op.movingMean, op.movingVariance]
            : [],
      );
      expect(new Set(used)).toEqual(new Set(model.weights));
    } finally {
      model.dispose();
    }
  });

  it("reads a frozen run's head alone", () => {
    const { backbone, head } = buildDenseNetParts({ ...DENSENET_QUICK, head: 'seed' });
    try {
      const { graph, reason } = readGraph(head, 4);
      expect(reason).toBeUndefined();
      expect(graph?.ops.map((op) => op.kind)).toEqual(['conv', 'dropout', 'conv']);
      expect(graph?.ops[0]).toMatchObject({ name: 'fc1', activation: 'relu' });
      expect((graph?.ops[0] as ConvOp).geometry.inC).toBe(2 * 2 * 32);
    } finally {
      backbone.dispose();
      head.dispose();
    }
  });

  it('says why it does not run a model it has no kernels for', () => {
    const input = tf.input({ shape: [8, 8, 3] });
    const conv = tf.layers
      .conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' })
      .apply(input) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: conv });
    try {
      const { graph, reason } = readGraph(model, 2);
      expect(graph).toBeNull();
      expect(reason).toMatch(/'same' padding only for odd kernels at stride 1/);
    } finally {
      model.dispose();
    }
  });
});

describe('optimizerKind', () => {
  it('names the updates the engine runs, and why not the others', () => {
    expect(optimizerKind(tf.train.momentum(0.1, 0.9))).toBe('sgd-momentum');
    expect(optimizerKind(tf.train.adam(0.1))).toBe('adam');
    expect(optimizerKind(tf.train.momentum(0.1, 0.9, true))).toBe('Nesterov momentum');
    expect(optimizerKind(tf.train.rmsprop(0.1))).toBe('the RMSProp optimizer');
  });
});

describe('UniformLayout', () => {
  it('packs integers and floats in declaration order, padded to 16 bytes', () => {
    const layout = new UniformLayout({
      count: 'i32',
      rate: 'f32',
      offset: 'i32',
      more: 'i32',
      last: 'f32',
    });
    expect(layout.bytes).toBe(32);
    expect(layout.wgsl).toContain('count: i32,');
    expect(layout.wgsl).toContain('rate: f32,');
    const packed = layout.pack({ count: 7, rate: 0.5, offset: -1, more: 3, last: 2.25 });
    expect(Array.from(new Int32Array(packed, 0, 1))).toEqual([7]);
    expect(new Float32Array(packed, 4, 1)[0]).toBe(0.5);
    expect(Array.from(new Int32Array(packed, 8, 2))).toEqual([-1, 3]);
    expect(new Float32Array(packed, 16, 1)[0]).toBe(2.25);
  });

  it('refuses a fraction where an integer goes, and a value that is not finite', () => {
    const layout = new UniformLayout({ count: 'i32', rate: 'f32' });
    expect(() => layout.pack({ count: 1.5, rate: 0 })).toThrow(/count must be an integer/);
    expect(() => layout.pack({ count: 1, rate: NaN })).toThrow(/rate is NaN/);
  });
});
