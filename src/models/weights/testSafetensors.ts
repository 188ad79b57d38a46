/**
 * torchvision DenseNet-121 `.safetensors` files for tests, derived from Keras layers independently
 * of the reader's own mapping (safetensors.ts): torchvision's names, OIHW kernels, the running
 * statistics, and the file laid out as the Python writer does (header padded to 8 bytes).
 */

/** torchvision's name for a Keras DenseNet-121 layer (features.denseblock1.denselayer1.conv1 …). */
export function torchName(keras: string): string {
  if (keras === 'conv1/conv') return 'features.conv0';
  if (keras === 'conv1/bn') return 'features.norm0';
  if (keras === 'bn') return 'features.norm5';
  const block = /^conv(\d)_block(\d+)_(0_bn|1_conv|1_bn|2_conv)$/.exec(keras);
  if (block) {
    const part = { '0_bn': 'norm1', '1_conv': 'conv1', '1_bn': 'norm2', '2_conv': 'conv2' }[
      block[3] as '0_bn'
    ];
    return `features.denseblock${Number(block[1]) - 1}.denselayer${block[2]}.${part}`;
  }
  const transition = /^pool(\d)_(bn|conv)$/.exec(keras);
  if (transition) {
    return `features.transition${Number(transition[1]) - 1}.${transition[2] === 'bn' ? 'norm' : 'conv'}`;
  }
  throw new Error(`no torchvision name for ${keras}`);
}

/** HWIO to OIHW. */
export function oihw(values: Float32Array, [h, w, i, o]: number[]): Float32Array {
  const out = new Float32Array(values.length);
  const [H, W, I, O] = [h ?? 0, w ?? 0, i ?? 0, o ?? 0];
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      for (let c = 0; c < I; c++)
        for (let f = 0; f < O; f++)
          out[((f * I + c) * H + y) * W + x] = values[((y * W + x) * I + c) * O + f] ?? 0;
  return out;
}

/** A Keras layer's weights: its class, shapes and values (HWIO kernels). */
export interface KerasLayerWeights {
  name: string;
  className: string;
  shapes: number[][];
  values: Float32Array[];
}

/** A DenseNet-121's layers as torchvision names and lays them out, in a safetensors file. */
export function torchvisionSafetensors(layers: readonly KerasLayerWeights[]): Uint8Array {
  const tensors: { name: string; shape: number[]; data: Float32Array }[] = [];
  for (const layer of layers) {
    const base = torchName(layer.name);
    if (layer.className === 'Conv2D') {
      const [h, w, i, o] = layer.shapes[0] as number[];
      tensors.push({
        name: `${base}.weight`,
        shape: [o, i, h, w] as number[],
        data: oihw(layer.values[0] as Float32Array, layer.shapes[0] as number[]),
      });
    } else {
      ['weight', 'bias', 'running_mean', 'running_var'].forEach((suffix, k) =>
        tensors.push({
          name: `${base}.${suffix}`,
          shape: layer.shapes[k] as number[],
          data: layer.values[k] as Float32Array,
        }),
      );
    }
  }
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = {
      dtype: 'F32',
      shape: t.shape,
      data_offsets: [offset, offset + t.data.byteLength],
    };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const t of tensors) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}
