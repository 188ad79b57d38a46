import { describe, expect, it } from 'vitest';
import { explainFault, gpuFaultError } from './faults.ts';

describe('explainFault', () => {
  it('names a missing kernel and the backends that have it', () => {
    const fault = explainFault(
      new Error("Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'"),
      'cpu',
    );
    expect(fault.kind).toBe('missing-kernel');
    expect(fault.message).toContain("no 'Conv2DBackpropFilter' kernel");
    expect(fault.message).toContain('resume the run on another backend');
  });

  it('tells an out-of-memory and a lost device apart from other errors', () => {
    expect(explainFault(new RangeError('Array buffer allocation failed'), 'cpu').kind).toBe(
      'out-of-memory',
    );
    expect(explainFault(new Error('WebGL context lost'), 'webgl').kind).toBe('device-lost');
    const other = explainFault(new Error('The training loss became NaN'), 'webgpu');
    expect(other).toMatchObject({ kind: 'other', message: 'The training loss became NaN' });
  });

  it('suggests half the batch when a run runs out of memory', () => {
    const fault = gpuFaultError(
      { kind: 'out-of-memory', message: 'Not enough memory' },
      'webgpu',
      16,
    );
    expect(fault.message).toContain('a batch of 8 (now 16)');
  });

  it('turns WebGPU device faults into the same causes', () => {
    expect(
      gpuFaultError({ kind: 'out-of-memory', message: 'Not enough memory' }, 'webgpu'),
    ).toMatchObject({
      kind: 'out-of-memory',
    });
    const lost = gpuFaultError({ kind: 'device-lost', message: 'Device was destroyed.' }, 'webgpu');
    expect(lost.kind).toBe('device-lost');
    expect(lost.message).toContain('Device was destroyed.');
  });
});
