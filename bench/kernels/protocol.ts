/** What the WebGPU kernels' page (bench/kernels/page.ts) answers. */
import type { ConvCase } from '../../src/kernels/convReference.ts';

export type KernelOp = 'conv2d' | 'conv2dBackpropInput' | 'conv2dBackpropFilter';
/** The tfjs backends with own convolution kernels (WebGPU all three, WebGL the filter gradient). */
export type GpuBackend = 'webgpu' | 'webgl';
/**
 * tfjs's kernel of the backend, the app's own (src/kernels/webgpu/convolutions.ts,
 * src/kernels/webgl/filterGradient.ts), or PyTorch's on a CUDA GPU (cuDNN;
 * bench/pytorch/kernels.py), in fp32 or with TF32.
 */
export type KernelImpl = 'tfjs' | 'own' | 'pytorch' | 'pytorch-tf32';

export interface KernelCheck {
  op: KernelOp;
  backend: GpuBackend;
  case: ConvCase;
  /** The own kernel's largest error relative to the float64 reference's largest magnitude. */
  error: number;
  /** tfjs's kernel's on the same backend, for comparison. */
  tfjsError: number;
  /** Backend buffers the own kernel left behind besides its output (0: it freed all it made). */
  left: number;
}

export interface KernelTiming {
  op: KernelOp;
  backend: GpuBackend | 'cuda';
  case: ConvCase;
  impl: KernelImpl;
  /** A tile candidate's name (`--kernels-tiles`); absent for the kernel as the app plans it. */
  tile?: string;
  /** Milliseconds a call by `clock`, and the GFLOP/s they make. */
  ms: number;
  gflops: number;
  /**
   * `gpu`: the GPU's own time (WebGPU timestamp queries; CUDA events for PyTorch); `wall`: calls
   * queued back to back until one element of the last is read (no timestamp queries, or WebGL).
   */
  clock: 'gpu' | 'wall';
  /** The wall-clock milliseconds a call, measured as `wall` is, beside a `gpu` time. */
  wallMs?: number;
}
