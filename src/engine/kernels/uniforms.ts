/**
 * A kernel's uniform block: scalar fields only (i32 or f32), declared once in WGSL and packed into
 * the bytes a uniform buffer holds. Scalars of 4 bytes need no padding between them; the block is
 * rounded up to 16 bytes, as WebGPU asks of a uniform binding.
 */
export type FieldType = 'i32' | 'f32';

export class UniformLayout<Name extends string> {
  readonly names: readonly Name[];

  constructor(private readonly fields: Readonly<Record<Name, FieldType>>) {
    this.names = Object.keys(fields) as Name[];
  }

  /** `struct Uniforms { … }` for the shader. */
  get wgsl(): string {
    return `struct Uniforms {\n${this.names.map((n) => `  ${n}: ${this.fields[n]},`).join('\n')}\n};`;
  }

  get bytes(): number {
    return Math.ceil((this.names.length * 4) / 16) * 16;
  }

  pack(values: Readonly<Record<Name, number>>): ArrayBuffer {
    const buffer = new ArrayBuffer(this.bytes);
    const ints = new Int32Array(buffer);
    const floats = new Float32Array(buffer);
    this.names.forEach((name, i) => {
      const value = values[name];
      if (!Number.isFinite(value)) throw new Error(`Uniform ${name} is ${value}`);
      if (this.fields[name] === 'i32') {
        if (!Number.isInteger(value))
          throw new Error(`Uniform ${name} must be an integer, not ${value}`);
        ints[i] = value;
      } else {
        floats[i] = value;
      }
    });
    return buffer;
  }
}

/** Workgroup size of the one-dimensional kernels (elementwise and per-channel reductions). */
export const LANES = 256;

/** Most workgroups an elementwise kernel launches; threads then loop over the rest. */
export const MAX_GROUPS = 8192;

/** Workgroups for `count` elements, one per LANES threads, at most MAX_GROUPS (grid-stride). */
export const groupsFor = (count: number): number =>
  Math.max(1, Math.min(MAX_GROUPS, Math.ceil(count / LANES)));

/** The grid-stride loop header of the elementwise kernels: `i` runs over 0..count. */
export const gridStride = (count: string) => `
  let stride = num_workgroups.x * ${LANES}u;
  for (var e = gid.x; e < u32(${count}); e += stride) {
    let i = i32(e);`;

/** A workgroup's sum of one value per thread (LANES threads), for the per-channel kernels. */
export const WORKGROUP_SUM = `
var<workgroup> partial: array<f32, ${LANES}>;
fn workgroupSum(value: f32, lane: u32) -> f32 {
  partial[lane] = value;
  workgroupBarrier();
  for (var step = ${LANES / 2}u; step > 0u; step = step >> 1u) {
    if (lane < step) { partial[lane] = partial[lane] + partial[lane + step]; }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier();
  return total;
}`;
