import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDenseNet } from '../models/densenet.ts';
import { DENSENET_QUICK } from '../models/densenetConfig.ts';
import { buildSegNet } from '../models/segnet.ts';
import { SEGNET_CPU, SEGNET_QUICK, SEGNET_SEED } from '../models/segnetConfig.ts';
import { readGraph, type ConvOp } from './graph.ts';
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
        expect(graph.input).toEqual([4, size, size, 3]);
        expect(graph.output).toEqual([4, size, size, 1]);
        const head = graph.ops.at(-1) as ConvOp;
        expect(head).toMatchObject({ kind: 'conv', activation: 'sigmoid' });
        expect(head.geometry).toMatchObject({ kh: 1, pad: 0, outC: 1, batch: 4 });
        const first = graph.ops[0] as ConvOp;
        expect(first.geometry).toMatchObject({ inC: 3, kh: 3, pad: 1, inH: size, outH: size });
        // Every weight of the model has its place in an operation.
        const used = graph.ops.flatMap((op) =>
          op.kind === 'conv'
            ? [op.kernel, op.bias]
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

  it('says why it does not run a DenseNet', () => {
    const model = buildDenseNet(DENSENET_QUICK);
    try {
      const { graph, reason } = readGraph(model, 2);
      expect(graph).toBeNull();
      expect(reason).toMatch(/single chain|strides|layers/);
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
