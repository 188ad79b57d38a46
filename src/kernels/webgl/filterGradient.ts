/**
 * Conv2DBackpropFilter for WebGL as one matrix product per filter tap, with the long sum split by
 * rows. tfjs-backend-webgl's own kernel gives each filter weight one fragment that loops over the
 * whole batch and feature map (the seed SegNet's first layer: 432 fragments summing 640,000
 * products each at batch 16, 200 px; 522 of the 783 ms of its WebGL step on an H200), and a WebGL
 * matrix product has the same shape of work: one fragment per output over the whole shared axis.
 *
 * Here each tap (ky, kx) is the product xᵀ · dy of the input window it sees (shifted and strided,
 * [rows, inC]) with the output gradient ([rows, outC]), rows = batch · outH · outW, and the rows
 * are cut into groups of whole output rows: the product becomes a batch of short products,
 * [groups, inC, outC], summed over the groups by tfjs's reduction (a tree of passes), so that
 * thousands of fragments each sum a few hundred products. The taps are stacked into the
 * [kh, kw, inC, outC] filter gradient.
 *
 * Built from the backend's own kernels (PadV2, Slice or StridedSlice, Reshape, BatchMatMul, Sum,
 * Concat), so it runs on any backend that has them; every intermediate is freed before it
 * returns.
 */
import * as tf from '@tensorflow/tfjs';
import { callKernel, type Shape4 } from '../compose.ts';

/** Each group's product sums at least this many rows, where the feature map allows. */
const MIN_GROUP_ROWS = 128;
/** The groups' partial products of one tap stay under this many floats (16 MB). */
const MAX_PARTIAL = 4 * 2 ** 20;

/**
 * How many output rows (of `outH`) each group holds: the fewest (so the most groups) that give a
 * group at least MIN_GROUP_ROWS rows of `outW` positions, and partial products under MAX_PARTIAL;
 * a divisor of `outH`, so the groups cut the rows evenly. At most all of them (a group per image).
 */
export function groupRows(
  batch: number,
  outH: number,
  outW: number,
  inC: number,
  outC: number,
): number {
  for (let g = 1; g < outH; g++) {
    if (outH % g !== 0) continue;
    const groups = (batch * outH) / g;
    if (g * outW >= MIN_GROUP_ROWS && groups * inC * outC <= MAX_PARTIAL) return g;
  }
  return outH;
}

export function filterGradientByTaps(backendName: string): tf.KernelFunc {
  return function conv2dBackpropFilterByTaps({ inputs, backend: own, attrs }) {
    const backend = own as tf.KernelBackend;
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
      attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    if (dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter: NCHW is not supported');
    const call = (name: string, named: tf.NamedTensorInfoMap | tf.TensorInfo[], a = {}) =>
      callKernel(backendName, backend, name, named, a);
    const made: tf.TensorInfo[] = [];
    const keep = (info: tf.TensorInfo) => (made.push(info), info);
    // Freed at once: one tap's window and partial products alive at a time.
    const scratch = <T>(info: tf.TensorInfo, use: (info: tf.TensorInfo) => T): T => {
      try {
        return use(info);
      } finally {
        backend.disposeData(info.dataId);
      }
    };
    try {
      const info = tf.backend_util.computeConv2DInfo(
        x.shape as Shape4,
        filterShape as Shape4,
        strides,
        1,
        pad,
        dimRoundingMode,
      );
      const { batchSize, inHeight, inWidth, inChannels, outChannels, outHeight, outWidth } = info;
      const { filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
      const g = groupRows(batchSize, outHeight, outWidth, inChannels, outChannels);
      const groups = (batchSize * outHeight) / g;
      const groupShape = [groups, g * outWidth];
      // Pad so that every tap's window lies inside: the last tap reads rows up to this far.
      const spanH = (outHeight - 1) * strideHeight + filterHeight;
      const spanW = (outWidth - 1) * strideWidth + filterWidth;
      const bottom = Math.max(0, spanH - padInfo.top - inHeight);
      const right = Math.max(0, spanW - padInfo.left - inWidth);
      const padded =
        padInfo.top || padInfo.left || bottom || right
          ? keep(
              call(
                'PadV2',
                { x },
                {
                  paddings: [
                    [0, 0],
                    [padInfo.top, bottom],
                    [padInfo.left, right],
                    [0, 0],
                  ],
                  constantValue: 0,
                },
              ),
            )
          : x;
      const dyGroups = keep(call('Reshape', { x: dy }, { shape: [...groupShape, outChannels] }));
      const window = (ky: number, kx: number) =>
        strideHeight === 1 && strideWidth === 1
          ? call(
              'Slice',
              { x: padded },
              { begin: [0, ky, kx, 0], size: [batchSize, outHeight, outWidth, inChannels] },
            )
          : call(
              'StridedSlice',
              { x: padded },
              {
                begin: [0, ky, kx, 0],
                end: [
                  batchSize,
                  ky + (outHeight - 1) * strideHeight + 1,
                  kx + (outWidth - 1) * strideWidth + 1,
                  inChannels,
                ],
                strides: [1, strideHeight, strideWidth, 1],
                beginMask: 0,
                endMask: 0,
                ellipsisMask: 0,
                newAxisMask: 0,
                shrinkAxisMask: 0,
              },
            );
      const taps: tf.TensorInfo[] = [];
      for (let ky = 0; ky < filterHeight; ky++) {
        for (let kx = 0; kx < filterWidth; kx++) {
          const tap = scratch(window(ky, kx), (w) =>
            scratch(call('Reshape', { x: w }, { shape: [...groupShape, inChannels] }), (rows) =>
              scratch(
                call(
                  'BatchMatMul',
                  { a: rows, b: dyGroups },
                  { transposeA: true, transposeB: false },
                ),
                (partial) =>
                  groups === 1
                    ? call('Reshape', { x: partial }, { shape: [inChannels, outChannels] })
                    : call('Sum', { x: partial }, { axis: [0], keepDims: false }),
              ),
            ),
          );
          taps.push(keep(tap));
        }
      }
      const [only] = taps;
      const stacked = taps.length === 1 && only ? only : keep(call('Concat', taps, { axis: 0 }));
      return call('Reshape', { x: stacked }, { shape: filterShape });
    } finally {
      for (const info of made) backend.disposeData(info.dataId);
    }
  };
}

/**
 * Positions (batch · outH · outW) up to which tfjs's own kernel is kept: its fragments' loops are
 * short there, and the taps' extra passes cost more than they save (bench/kernels.ts).
 */
const SHORT_SUM = 1024;

/** WebGL's Conv2DBackpropFilter: the taps, except over a small feature map. */
export function filterGradientOnWebgl(own: tf.KernelFunc): tf.KernelFunc {
  const taps = filterGradientByTaps('webgl');
  return (args) => {
    const { dy } = args.inputs as { dy: tf.TensorInfo };
    const [batch = 0, outH = 0, outW = 0] = dy.shape;
    return batch * outH * outW <= SHORT_SUM ? own(args) : taps(args);
  };
}
