import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BytesBlob } from '../../lib/testHdf5.ts';
import { DENSENET_121_BACKBONE, buildDenseNet } from '../densenet.ts';
import keras from '../densenet121.keras-layers.json';
import { openSafetensors, type SafetensorsWeightFile } from './safetensors.ts';
import { isPickledTorchName, kerasTarget, refusePth } from './torchNames.ts';
import { WeightFileError } from './weightFile.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type Dtype = 'F32' | 'F16' | 'BF16' | 'F64' | 'I64' | 'I32';
interface Spec {
  name: string;
  shape: number[];
  dtype?: Dtype;
  /** The raw bytes, where a test wants them other than `value`'s. */
  bytes?: Uint8Array;
}

/** Element e of tensor t: multiples of 1/8 in [-16, 16), exact in F16 and BF16 as in F32. */
function value(t: number, e: number): number {
  return ((t * 7 + e) % 256) / 8 - 16;
}

function f16Bits(x: number): number {
  // Exact for value()'s numbers: normal, at most 7 significant bits.
  if (x === 0) return 0;
  const sign = x < 0 ? 0x8000 : 0;
  const a = Math.abs(x);
  const exponent = Math.floor(Math.log2(a));
  const fraction = Math.round((a / 2 ** exponent - 1) * 1024);
  return sign | ((exponent + 15) << 10) | fraction;
}

function encode(dtype: Dtype, values: number[]): Uint8Array {
  switch (dtype) {
    case 'F32':
      return new Uint8Array(Float32Array.from(values).buffer);
    case 'F64':
      return new Uint8Array(Float64Array.from(values).buffer);
    case 'F16':
      return new Uint8Array(Uint16Array.from(values, f16Bits).buffer);
    case 'BF16': {
      const bits = new Uint32Array(Float32Array.from(values).buffer);
      return new Uint8Array(Uint16Array.from(bits, (b) => b >>> 16).buffer);
    }
    case 'I64':
      return new Uint8Array(BigInt64Array.from(values, (v) => BigInt(Math.trunc(v))).buffer);
    case 'I32':
      return new Uint8Array(Int32Array.from(values).buffer);
  }
}

/** A safetensors file as the Python writer lays it out: header padded with spaces to 8 bytes. */
function safetensors(
  specs: Spec[],
  metadata?: Record<string, string>,
  headerLength?: number,
): Uint8Array {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  const chunks: Uint8Array[] = [];
  let offset = 0;
  specs.forEach((spec, t) => {
    const dtype = spec.dtype ?? 'F32';
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const bytes =
      spec.bytes ??
      encode(
        dtype,
        Array.from({ length: count }, (_, e) => value(t, e)),
      );
    header[spec.name] = {
      dtype,
      shape: spec.shape,
      data_offsets: [offset, offset + bytes.length],
    };
    chunks.push(bytes);
    offset += bytes.length;
  });
  let json = JSON.stringify(header);
  json += ' '.repeat(headerLength ? headerLength - json.length : (8 - (json.length % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** torchvision's densenet121().state_dict(): names and shapes, in its order. */
function torchvisionDenseNet121(prefix = ''): Spec[] {
  const specs: Spec[] = [];
  const bn = (name: string, channels: number) => {
    for (const p of ['weight', 'bias', 'running_mean', 'running_var']) {
      specs.push({ name: `${prefix}${name}.${p}`, shape: [channels] });
    }
    specs.push({ name: `${prefix}${name}.num_batches_tracked`, shape: [], dtype: 'I64' });
  };
  const conv = (name: string, shape: number[]) =>
    specs.push({ name: `${prefix}${name}.weight`, shape });
  conv('features.conv0', [64, 3, 7, 7]);
  bn('features.norm0', 64);
  let channels = 64;
  const [growth, bnSize] = [32, 4];
  [6, 12, 24, 16].forEach((layers, b) => {
    for (let l = 1; l <= layers; l++) {
      const layer = `features.denseblock${b + 1}.denselayer${l}`;
      const inputs = channels + (l - 1) * growth;
      bn(`${layer}.norm1`, inputs);
      conv(`${layer}.conv1`, [bnSize * growth, inputs, 1, 1]);
      bn(`${layer}.norm2`, bnSize * growth);
      conv(`${layer}.conv2`, [growth, bnSize * growth, 3, 3]);
    }
    channels += layers * growth;
    if (b < 3) {
      bn(`features.transition${b + 1}.norm`, channels);
      conv(`features.transition${b + 1}.conv`, [channels / 2, channels, 1, 1]);
      channels /= 2;
    }
  });
  bn('features.norm5', channels);
  specs.push({ name: `${prefix}classifier.weight`, shape: [1000, channels] });
  specs.push({ name: `${prefix}classifier.bias`, shape: [1000] });
  return specs;
}

/** The full file, with some tensors in F64, F16 and BF16 to exercise the conversions. */
function fullSpecs(prefix = ''): Spec[] {
  return torchvisionDenseNet121(prefix).map((spec) => {
    if (spec.dtype) return spec;
    if (spec.name.includes('.norm0.')) return { ...spec, dtype: 'F64' };
    if (spec.name.includes('.denseblock4.')) return { ...spec, dtype: 'F16' };
    if (spec.name.includes('.norm5.')) return { ...spec, dtype: 'BF16' };
    return spec;
  });
}

/** A copy of a file with `from` in its header replaced by `to`, padded with spaces to its length. */
function patchHeader(bytes: Uint8Array, from: string, to: string): Uint8Array {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = new TextDecoder().decode(bytes.subarray(8, 8 + length));
  expect(header).toContain(from);
  const patched = new TextEncoder().encode(header.replace(from, to.padEnd(from.length, ' ')));
  const out = bytes.slice();
  out.set(patched, 8);
  return out;
}

const reads = { count: 0 };
const readSync = (blob: Blob) => {
  reads.count++;
  return (blob as unknown as BytesBlob).bytes.slice().buffer;
};

function open(name: string, bytes: Uint8Array): Promise<SafetensorsWeightFile> {
  return openSafetensors(name, new BytesBlob(bytes) as unknown as Blob, readSync);
}

function readLayer(file: SafetensorsWeightFile, name: string): Float32Array[] {
  const layer = file.layers.find((l) => l.name === name);
  if (!layer) throw new Error(`no layer ${name}`);
  return layer.read();
}

function layerChannels(file: SafetensorsWeightFile, name: string): number {
  return file.layers.find((l) => l.name === name)?.shapes[0]?.[0] ?? -1;
}

/** The index in fullSpecs() of a tensor, for value(). */
function indexOf(specs: Spec[], name: string): number {
  const i = specs.findIndex((s) => s.name === name);
  expect(i).toBeGreaterThanOrEqual(0);
  return i;
}

describe('openSafetensors: torchvision DenseNet-121', () => {
  const specs = fullSpecs();
  const bytes = safetensors(specs, { format: 'pt' });
  let file: SafetensorsWeightFile;

  beforeAll(async () => {
    file = await open('densenet121.safetensors', bytes);
  });

  it('gives every weighted Keras layer exactly one source, with Keras shapes', () => {
    // Names: the outside Keras summary's weighted layers, and 'predictions' of include_top.
    const weighted = keras.layers.filter((n) => /(^|[_/])(conv|bn)$/.test(n));
    expect(weighted).toHaveLength(241);
    const names = file.layers.map((l) => l.name);
    expect(names).toEqual([...weighted, 'predictions']);
    expect(new Set(names).size).toBe(names.length);
    // Shapes: the model densenet.ts builds with the ImageNet top.
    const model = buildDenseNet({ ...DENSENET_121_BACKBONE, head: 'imagenet', classes: 1000 });
    const expected = model.layers
      .filter((l) => l.weights.length > 0)
      .map((l) => [l.name, l.weights.map((w) => w.shape)]);
    model.dispose();
    expect(file.layers.map((l) => [l.name, l.shapes])).toEqual(expected);
    expect(file.unmapped).toEqual([]);
    expect(file.match).toBe('name');
    expect(file.format).toMatch(/safetensors/);
    expect(file.metadata).toEqual({ format: 'pt' });
  });

  it('names Keras classes', () => {
    const byName = new Map(file.layers.map((l) => [l.name, l]));
    expect(byName.get('conv1/conv')?.className).toBe('Conv2D');
    expect(byName.get('conv1/bn')?.className).toBe('BatchNormalization');
    expect(byName.get('conv5_block16_2_conv')?.className).toBe('Conv2D');
    expect(byName.get('pool4_bn')?.className).toBe('BatchNormalization');
    expect(byName.get('bn')?.className).toBe('BatchNormalization');
    expect(byName.get('predictions')?.className).toBe('Dense');
  });

  it('reads every layer with its shapes, one read per layer', () => {
    for (const layer of file.layers) {
      const before = reads.count;
      const values = layer.read();
      expect(reads.count - before).toBe(1);
      expect(values.map((v) => v.length)).toEqual(
        layer.shapes.map((s) => s.reduce((a, b) => a * b, 1)),
      );
      for (const v of values) expect(v).toBeInstanceOf(Float32Array);
    }
  });

  it('transposes conv kernels OIHW → HWIO exactly', () => {
    const t = indexOf(specs, 'features.conv0.weight');
    const [kernel] = readLayer(file, 'conv1/conv');
    // torch [o, i, h, w] = [5, 2, 3, 6] is flat (5 * 3 + 2) * 49 + 3 * 7 + 6 = 860;
    // Keras [h, w, i, o] = [3, 6, 2, 5] is flat ((3 * 7 + 6) * 3 + 2) * 64 + 5 = 5317.
    expect(kernel?.[5317]).toBe(value(t, 860));
    // [0, 0, 0, 0] stays first; torch's last [63, 2, 6, 6] is Keras' last too.
    expect(kernel?.[0]).toBe(value(t, 0));
    expect(kernel?.[64 * 3 * 49 - 1]).toBe(value(t, 64 * 3 * 49 - 1));
    // torch [1, 0, 0, 0] (flat 147) is Keras [0, 0, 0, 1] (flat 1).
    expect(kernel?.[1]).toBe(value(t, 147));
    // A 3x3 kernel in F16: conv5_block16_2_conv, torch [32, 128, 3, 3]; [7, 100, 2, 1] is flat
    // ((7 * 128 + 100) * 3 + 2) * 3 + 1 = 8971, Keras [2, 1, 100, 7] ((2 * 3 + 1) * 128 + 100) * 32 + 7 = 31879.
    const t2 = indexOf(specs, 'features.denseblock4.denselayer16.conv2.weight');
    const [k2] = readLayer(file, 'conv5_block16_2_conv');
    expect(k2?.[31879]).toBe(value(t2, 8971));
  });

  it('gives BatchNorm weights as gamma, beta, moving mean, moving variance (F64 and BF16 too)', () => {
    for (const [layer, torch] of [
      ['conv1/bn', 'features.norm0'],
      ['conv3_block7_1_bn', 'features.denseblock2.denselayer7.norm2'],
      ['pool3_bn', 'features.transition2.norm'],
      ['bn', 'features.norm5'],
    ] as const) {
      const values = readLayer(file, layer);
      const params = ['weight', 'bias', 'running_mean', 'running_var'];
      expect(values).toHaveLength(4);
      params.forEach((p, n) => {
        const t = indexOf(specs, `${torch}.${p}`);
        const got = Array.from(values[n] ?? []);
        expect(got).toHaveLength(layerChannels(file, layer));
        expect(got).toEqual(got.map((_, e) => value(t, e)));
      });
    }
  });

  it('transposes the classifier [1000, 1024] into a Dense kernel [1024, 1000], bias as is', () => {
    const t = indexOf(specs, 'classifier.weight');
    const [kernel, bias] = readLayer(file, 'predictions');
    // torch [o, i] = [999, 3] (flat 999 * 1024 + 3) is Keras [3, 999] (flat 3 * 1000 + 999).
    expect(kernel?.[3 * 1000 + 999]).toBe(value(t, 999 * 1024 + 3));
    expect(kernel?.[1000]).toBe(value(t, 1)); // torch [0, 1] → Keras [1, 0]
    const b = indexOf(specs, 'classifier.bias');
    expect(Array.from(bias ?? [])).toEqual(Array.from({ length: 1000 }, (_, e) => value(b, e)));
  });
});

describe('openSafetensors: names', () => {
  it('strips module. and model. prefixes and ignores num_batches_tracked', async () => {
    for (const prefix of ['module.', 'model.', 'module.model.']) {
      const specs = torchvisionDenseNet121(prefix).slice(0, 6); // conv0, norm0 with its counter
      const file = await open('dp.safetensors', safetensors(specs));
      expect(file.layers.map((l) => l.name)).toEqual(['conv1/conv', 'conv1/bn']);
      expect(file.unmapped).toEqual([]);
      const [gamma] = readLayer(file, 'conv1/bn');
      expect(gamma?.[3]).toBe(value(1, 3));
    }
  });

  it('maps the Keras names, reads old torchvision spellings, leaves others unmapped', () => {
    expect(kerasTarget('features.denseblock3.denselayer24.conv2.weight')).toMatchObject({
      layer: 'conv4_block24_2_conv',
      kind: 'conv',
      slot: 0,
    });
    expect(kerasTarget('features.denseblock1.denselayer1.norm.1.running_var')).toMatchObject({
      layer: 'conv2_block1_0_bn',
      slot: 3,
    });
    expect(kerasTarget('features.transition3.conv.weight')?.layer).toBe('pool4_conv');
    expect(kerasTarget('features.norm5.bias')).toMatchObject({ layer: 'bn', slot: 1 });
    expect(kerasTarget('module.classifier.weight')?.layer).toBe('predictions');
    expect(kerasTarget('features.conv1.weight')).toBeUndefined(); // timm's deep stem
    expect(kerasTarget('features.norm0.num_batches_tracked')).toBeUndefined();
    expect(kerasTarget('fc.weight')).toBeUndefined();
  });

  it('lists tensors that map to nothing', async () => {
    const specs: Spec[] = [
      { name: 'features.conv0.weight', shape: [64, 3, 7, 7] },
      { name: 'head.fc.weight', shape: [2, 2] },
      { name: 'step', shape: [], dtype: 'I64' },
    ];
    const file = await open('extra.safetensors', safetensors(specs));
    expect(file.layers.map((l) => l.name)).toEqual(['conv1/conv']);
    expect(file.unmapped).toEqual(['head.fc.weight', 'step']);
  });
});

describe('openSafetensors: refusals name the file and the problem', () => {
  const small: Spec[] = [
    { name: 'features.conv0.weight', shape: [4, 3, 1, 1] },
    { name: 'classifier.weight', shape: [2, 4] },
    { name: 'classifier.bias', shape: [2] },
  ];
  const refusal = async (bytes: Uint8Array, pattern: RegExp) => {
    const opened = open('bad.safetensors', bytes);
    await expect(opened).rejects.toThrow(WeightFileError);
    await expect(opened).rejects.toThrow(/^bad\.safetensors/);
    await expect(opened).rejects.toThrow(pattern);
  };

  it('a truncated file', async () => {
    const bytes = safetensors(small);
    await refusal(bytes.subarray(0, bytes.length - 4), /classifier.bias lies outside the data/);
    await refusal(bytes.subarray(0, 40), /header length \d+ runs past/);
    await refusal(bytes.subarray(0, 5), /only 5 bytes/);
  });

  it('a header length over 100 MB', async () => {
    const bytes = safetensors(small);
    new DataView(bytes.buffer).setBigUint64(0, 200_000_000n, true);
    await refusal(bytes, /header length 200000000 is over 100 MB/);
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 63n, true);
    await refusal(bytes, /is over 100 MB/);
  });

  it('offsets out of range or not the tensor size', async () => {
    const bytes = safetensors([
      { name: 'features.conv0.weight', shape: [2], bytes: new Uint8Array(8) },
    ]);
    const patch = (from: string, to: string) => patchHeader(bytes, from, to);
    await refusal(patch('[0,8]', '[0,16]'), /lies outside the data/);
    await refusal(patch('[0,8]', '[4,8]'), /has 4 bytes where F32 \[2\] takes 8/);
    await refusal(patch('[0,8]', '[8,0]'), /bad data_offsets/);
    await refusal(patch('"F32"', '"X99"'), /unknown dtype "X99"/);
  });

  it('a header that is not JSON', async () => {
    await refusal(patchHeader(safetensors(small), '"shape":', '"shape" '), /header is not JSON/);
  });

  it('an integer weight', async () => {
    const bytes = safetensors([
      { name: 'features.conv0.weight', shape: [4, 3, 1, 1], dtype: 'I32' },
    ]);
    await refusal(bytes, /features.conv0.weight is I32: weights must be floats/);
  });

  it('a BatchNorm without its moving variance, a conv that is not 4-D', async () => {
    const bn = torchvisionDenseNet121().slice(1, 4); // norm0 weight, bias, running_mean
    await refusal(safetensors(bn), /has features.norm0.weight but not features.norm0.running_var/);
    await refusal(
      safetensors([{ name: 'features.conv0.weight', shape: [64, 3] }]),
      /features.conv0.weight has shape \[64, 3\], not 4-D/,
    );
  });

  it('a file of another model', async () => {
    await refusal(
      safetensors([{ name: 'conv1.weight', shape: [4, 3, 1, 1] }]),
      /no DenseNet-121 tensors.*conv1.weight/,
    );
  });

  it('a pickled PyTorch file, with how to convert it', async () => {
    const zip = new Uint8Array(64);
    zip.set([0x50, 0x4b, 3, 4]);
    await refusal(zip, /pickled PyTorch checkpoint.*can run code/);
    await refusal(new Uint8Array([0x80, 2, 0x8a, 0x0a, 0, 0, 0, 0, 0]), /pickled PyTorch/);
    // A header length whose first byte is pickle's 0x80, protocol 2: safetensors all the same.
    const file = await open('ok.safetensors', safetensors(small, undefined, 0x280));
    expect(file.layers.map((l) => l.name)).toEqual(['conv1/conv', 'predictions']);
    const error = refusePth('densenet121-a639ec97.pth');
    expect(error).toBeInstanceOf(WeightFileError);
    expect(error.message).toMatch(/^densenet121-a639ec97\.pth is a pickled PyTorch checkpoint/);
    expect(error.message).toContain("torch.load('x.pth', weights_only=True)");
    expect(error.message).toContain('st.save_file(');
    expect(error.message).toContain("timm.create_model('densenet121.tv_in1k', pretrained=True)");
    expect(error.message).toContain('safetensors.torch.save_model(');
    expect(isPickledTorchName('densenet121-a639ec97.pth')).toBe(true);
    expect(isPickledTorchName('model.PT')).toBe(true);
    expect(isPickledTorchName('model.safetensors')).toBe(false);
  });
});
