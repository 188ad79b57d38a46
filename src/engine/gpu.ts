/**
 * The engine's access to WebGPU: tfjs's own device (so the engine and tfjs share buffers and one
 * queue), and everything the engine creates — buffers, uniform blocks, pipelines, bind groups —
 * made here, once, when a step is compiled.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { UniformLayout } from './kernels/uniforms.ts';

/** tfjs's WebGPU backend, when it is the one running. */
export function webgpuBackend(): WebGPUBackend | null {
  if (tf.getBackend() !== 'webgpu') return null;
  return tf.backend() as unknown as WebGPUBackend;
}

/** The adapter and browser the engine runs on, in words: what its self-check is kept under. */
export function adapterKey(backend: WebGPUBackend): string {
  const info = backend.adapterInfo as unknown as { vendor?: string; architecture?: string };
  return [
    info.vendor || 'unknown vendor',
    info.architecture || 'unknown architecture',
    globalThis.navigator?.userAgent ?? '',
  ].join(' · ');
}

/** Submits the work `backend` has recorded and not submitted yet. */
export function flushTfjs(backend: WebGPUBackend): void {
  const pending = backend as unknown as { commandEncoder: GPUCommandEncoder | null };
  if (!pending.commandEncoder) return;
  backend.endComputePassEncoder();
  backend.submitQueue();
}

/** Storage that copies may read and write (a function: GPUBufferUsage exists in browsers only). */
const storage = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** A recorded dispatch: replayed every step with its pipeline and bind group, made once. */
export interface Dispatch {
  label: string;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  workgroups: [number, number, number];
}

export class Gpu {
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  private readonly owned: GPUBuffer[] = [];

  constructor(
    readonly backend: WebGPUBackend,
    readonly device: GPUDevice = backend.device,
  ) {}

  /** A zeroed storage buffer of `floats` floats (at least one), owned by the engine. */
  buffer(floats: number, label: string, usage = storage()): GPUBuffer {
    const buffer = this.device.createBuffer({
      label,
      size: Math.max(16, Math.ceil((floats * 4) / 16) * 16),
      usage,
    });
    this.owned.push(buffer);
    return buffer;
  }

  /** Bytes in the buffers the engine made (its activations, gradients, weights and state). */
  get bytesHeld(): number {
    return this.owned.reduce((sum, buffer) => sum + buffer.size, 0);
  }

  /** A uniform buffer holding `values`, written once. */
  uniforms<Name extends string>(
    layout: UniformLayout<Name>,
    values: Readonly<Record<Name, number>>,
    label: string,
  ): GPUBuffer {
    const buffer = this.buffer(
      layout.bytes / 4,
      `${label} uniforms`,
      GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    );
    this.device.queue.writeBuffer(buffer, 0, layout.pack(values));
    return buffer;
  }

  /** The compute pipeline of a WGSL source, compiled once per source. */
  pipeline(code: string, label: string): Promise<GPUComputePipeline> {
    let pipeline = this.pipelines.get(code);
    if (!pipeline) {
      pipeline = this.compile(code, label);
      this.pipelines.set(code, pipeline);
    }
    return pipeline;
  }

  private async compile(code: string, label: string): Promise<GPUComputePipeline> {
    const module = this.device.createShaderModule({ label, code });
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length > 0) {
      throw new Error(
        `The training engine's ${label} kernel does not compile: ${errors
          .map((m) => `line ${m.lineNum}: ${m.message}`)
          .join('; ')}`,
      );
    }
    return this.device.createComputePipelineAsync({
      label,
      layout: 'auto',
      compute: { module, entryPoint: 'main' },
    });
  }

  /** A dispatch of `code` over `workgroups`, binding the uniforms then `buffers` in order. */
  async dispatch(
    label: string,
    code: string,
    uniforms: GPUBuffer,
    buffers: GPUBuffer[],
    workgroups: [number, number, number],
  ): Promise<Dispatch> {
    const pipeline = await this.pipeline(code, label.replace(/ .*/, ''));
    const bindGroup = this.device.createBindGroup({
      label,
      layout: pipeline.getBindGroupLayout(0),
      entries: [uniforms, ...buffers].map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    return { label, pipeline, bindGroup, workgroups };
  }

  /**
   * Copies a float32 tensor's values to the start of `target`: from its GPU buffer in `encoder`,
   * or, for one tfjs keeps on the CPU (small tensors), straight from its values.
   */
  copyTensor(encoder: GPUCommandEncoder, tensor: tf.Tensor, target: GPUBuffer): void {
    const data = this.backend.tensorMap.get(tensor.dataId);
    if (!data.resource && data.values instanceof Float32Array) {
      this.device.queue.writeBuffer(target, 0, data.values);
      return;
    }
    encoder.copyBufferToBuffer(this.bufferOf(tensor), 0, target, 0, tensor.size * 4);
  }

  /** Whether the values behind `tensor` are stored as float32 (a cast may keep int32 storage). */
  storesFloat32(tensor: tf.Tensor): boolean {
    return this.backend.tensorMap.get(tensor.dataId).dtype === 'float32';
  }

  /** The GPU buffer behind a tfjs tensor on this backend, uploaded first if it is on the CPU. */
  bufferOf(tensor: tf.Tensor): GPUBuffer {
    this.backend.uploadToGPU(tensor.dataId);
    const resource = this.backend.tensorMap.get(tensor.dataId).resource;
    if (!(resource instanceof GPUBuffer)) {
      throw new Error(`The training engine needs ${tensor.dtype} tensors in GPU buffers`);
    }
    return resource;
  }

  /**
   * Gives `variable` a GPU buffer no other tensor shares (a model whose weights were set from
   * another's shares that model's buffers), so that writing into it changes this variable alone.
   */
  ownBuffer(variable: tf.Variable): void {
    if (this.backend.refCount(variable.dataId) <= 1) return;
    variable.assign(tf.tidy(() => tf.add(variable, 0)));
  }

  /**
   * Forgets the values tfjs read back from a tensor's buffer before the engine wrote into it, so
   * that the next read takes the buffer's.
   */
  forgetReadBack(tensor: tf.Tensor): void {
    const data = this.backend.tensorMap.get(tensor.dataId);
    if (data.resource) data.values = null as unknown as typeof data.values;
  }

  /** Submits the work tfjs has recorded and not submitted yet, so that it runs before the engine's. */
  flushTfjs(): void {
    flushTfjs(this.backend);
  }

  destroy(): void {
    for (const buffer of this.owned) buffer.destroy();
    this.owned.length = 0;
    this.pipelines.clear();
  }
}
