/**
 * torchvision's and timm's DenseNet-121 parameter names, as the Keras layers of densenet.ts name
 * them (safetensors.ts reads the tensors): `features.conv0` → 'conv1/conv', `features.norm0` →
 * 'conv1/bn', `features.denseblockB.denselayerL.{norm1,conv1,norm2,conv2}` →
 * `conv{B+1}_block{L}_{0_bn,1_conv,1_bn,2_conv}`, `features.transitionT.{norm,conv}` →
 * `pool{T+1}_{bn,conv}`, `features.norm5` → 'bn', `classifier` → 'predictions'; and the refusal of
 * pickled checkpoints.
 */
import { WeightFileError } from './weightFile.ts';

export type Kind = 'conv' | 'bn' | 'dense';
export const CLASS_NAME: Record<Kind, string> = {
  conv: 'Conv2D',
  bn: 'BatchNormalization',
  dense: 'Dense',
};
/** The PyTorch parameter names of each kind, in Keras' weight order. */
export const SLOTS: Record<Kind, string[]> = {
  conv: ['weight', 'bias'],
  bn: ['weight', 'bias', 'running_mean', 'running_var'],
  dense: ['weight', 'bias'],
};
/** How many of SLOTS a layer must have: a Keras DenseNet conv has no bias; a Dense has one. */
export const REQUIRED: Record<Kind, number> = { conv: 1, bn: 4, dense: 2 };

export interface Target {
  layer: string;
  kind: Kind;
  slot: number;
  /** The layer's place in the model, for listing layers in model order. */
  order: number;
}

const BN_PARAM = '(weight|bias|running_mean|running_var)';
const DENSE_PARTS = ['norm1', 'conv1', 'norm2', 'conv2'];
const KERAS_PARTS = ['0_bn', '1_conv', '1_bn', '2_conv'];

/** Each torchvision name pattern, and the Keras layer, kind, parameter and order its groups give. */
const RULES: [RegExp, (g: string[]) => [string, Kind, string, number]][] = [
  [/^features\.conv0\.(weight|bias)$/, ([p = '']) => ['conv1/conv', 'conv', p, 0]],
  [new RegExp(`^features\\.norm0\\.${BN_PARAM}$`), ([p = '']) => ['conv1/bn', 'bn', p, 1]],
  [
    /^features\.denseblock([1-9]\d*)\.denselayer([1-9]\d*)\.(norm1|conv1|norm2|conv2)\.(\w+)$/,
    ([b = '', l = '', part = '', p = '']) => {
      const index = DENSE_PARTS.indexOf(part);
      return [
        `conv${Number(b) + 1}_block${Number(l)}_${KERAS_PARTS[index] ?? ''}`,
        part.startsWith('norm') ? 'bn' : 'conv',
        p,
        Number(b) * 100_000 + Number(l) * 10 + index,
      ];
    },
  ],
  [
    /^features\.transition([1-9]\d*)\.(norm|conv)\.(\w+)$/,
    ([t = '', part = '', p = '']) => {
      const kind = part === 'norm' ? 'bn' : 'conv';
      return [
        `pool${Number(t) + 1}_${kind}`,
        kind,
        p,
        Number(t) * 100_000 + 90_000 + (kind === 'bn' ? 0 : 1),
      ];
    },
  ],
  [new RegExp(`^features\\.norm5\\.${BN_PARAM}$`), ([p = '']) => ['bn', 'bn', p, 10_000_000]],
  [/^classifier\.(weight|bias)$/, ([p = '']) => ['predictions', 'dense', p, 10_000_001]],
];

/** The Keras layer and weight a torchvision / timm DenseNet-121 tensor name gives, if any. */
export function kerasTarget(torchName: string): Target | undefined {
  let name = torchName;
  while (/^(module|model)\./.test(name)) name = name.slice(name.indexOf('.') + 1);
  // torchvision's checkpoints before 0.3 spell the dense layers' parts 'norm.1', 'conv.2'.
  name = name.replace(/(\.denselayer\d+\.(?:norm|conv))\.([12])\./, '$1$2.');
  for (const [pattern, give] of RULES) {
    const m = pattern.exec(name);
    if (!m) continue;
    const [layer, kind, param, order] = give(m.slice(1));
    const slot = SLOTS[kind].indexOf(param);
    return slot < 0 ? undefined : { layer, kind, slot, order };
  }
  return undefined;
}

/**
 * The error for a pickled PyTorch checkpoint (`.pth`, `.pt`): unpickling can run any code the file
 * holds, so the app does not read it, and says how to turn it into safetensors.
 */
export function refusePth(name: string): WeightFileError {
  return new WeightFileError(
    `${name} is a pickled PyTorch checkpoint (.pth / .pt): loading one can run code it contains, ` +
      'so this app does not read it. Convert it to safetensors with Python: ' +
      `python -c "import torch, safetensors.torch as st; st.save_file(torch.load('x.pth', weights_only=True), 'x.safetensors')" ` +
      "(if the file holds {'state_dict': …}, save that entry), or with timm: " +
      "model = timm.create_model('densenet121.tv_in1k', pretrained=True); " +
      "safetensors.torch.save_model(model, 'densenet121.safetensors').",
  );
}

/** Whether a file name is a pickled PyTorch checkpoint's (which refusePth refuses). */
export function isPickledTorchName(name: string): boolean {
  return /\.(pth|pt|pth\.tar)$/i.test(name);
}
