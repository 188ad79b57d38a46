/** What the WebGPU kernels' page (bench/kernels/page.ts) answers. */
import type { ConvCase } from '../../src/kernels/convReference.ts';

export type KernelOp = 'conv2dBackpropFilter';
/**
 * tfjs-backend-webgpu's kernel, the app's own (src/kernels/webgpu/filterGradientGemm.ts), or
 * PyTorch's on a CUDA GPU (cuDNN; bench/pytorch/kernels.py), in fp32 or with TF32.
 */
export type KernelImpl = 'tfjs' | 'own' | 'pytorch' | 'pytorch-tf32';

export interface KernelCheck {
  op: KernelOp;
  case: ConvCase;
  /** The own kernel's largest error relative to the float64 reference's largest magnitude. */
  error: number;
  /** tfjs-backend-webgpu's kernel's, for comparison. */
  tfjsError: number;
  /** Backend buffers the own kernel left behind besides its output (0: it freed all it made). */
  left: number;
}

export interface KernelTiming {
  op: KernelOp;
  case: ConvCase;
  impl: KernelImpl;
  ms: number;
  gflops: number;
}
