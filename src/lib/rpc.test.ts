import { describe, expect, it } from 'vitest';
import {
  RpcClient,
  startedOnce,
  type RpcFailure,
  type RpcReply,
  type RpcRequest,
  type WorkerPort,
} from './rpc.ts';

/** A worker API of the app's kind: requests by type, a progress stream, typed results. */
type TestApi = {
  init: { params: { backend: string }; result: { backend: string; adapter: string } };
  checkBackend: { params: { size: number }; result: { op: string; maxAbsError: number } };
};
type TestProgress = { kind: 'masking' | 'training'; done: number; total: number };

type WorkerReply = RpcReply<TestApi, TestProgress>;
type WorkerRequest = RpcRequest<TestApi>;
type WorkerFailure = RpcFailure;
const client = (worker: FakeWorker, onFatal: (f: RpcFailure) => void = () => undefined) =>
  new RpcClient<TestApi, TestProgress>(worker, 'compute', onFatal);

/** A stand-in worker: records requests and lets the test reply or crash. */
class FakeWorker implements WorkerPort<TestApi, TestProgress> {
  readonly sent: WorkerRequest[] = [];
  terminated = false;
  private readonly listeners = new Map<string, ((event: never) => void)[]>();

  postMessage(message: WorkerRequest): void {
    this.sent.push(message);
  }
  addEventListener(type: string, listener: (event: never) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  terminate(): void {
    this.terminated = true;
  }
  reply(data: WorkerReply): void {
    for (const l of this.listeners.get('message') ?? []) l({ data } as never);
  }
  crash(message: string): void {
    for (const l of this.listeners.get('error') ?? []) l({ message } as never);
  }
}

const INFO = { backend: 'webgpu', adapter: 'test adapter' };

describe('RpcClient', () => {
  it('matches replies to requests by id and streams progress', async () => {
    const worker = new FakeWorker();
    const rpc = client(worker);
    const progress: number[] = [];
    const first = rpc.call('init', { backend: 'auto' }, (p) => {
      if (p.kind === 'masking') progress.push(p.done / p.total);
    });
    const second = rpc.call('checkBackend', { size: 4 });
    expect(worker.sent.map((r) => [r.id, r.type])).toEqual([
      [1, 'init'],
      [2, 'checkBackend'],
    ]);
    worker.reply({
      id: 2,
      status: 'done',
      result: { op: 'matMul 4x4', maxAbsError: 0 },
    });
    worker.reply({
      id: 1,
      status: 'progress',
      progress: { kind: 'masking', done: 5, total: 10 },
    });
    worker.reply({ id: 1, status: 'done', result: INFO });
    await expect(first).resolves.toEqual(INFO);
    await expect(second).resolves.toMatchObject({ op: 'matMul 4x4' });
    expect(progress).toEqual([0.5]);
  });

  it("rejects with the worker's error name and message", async () => {
    const worker = new FakeWorker();
    const rpc = client(worker);
    const call = rpc.call('checkBackend', { size: 4 });
    worker.reply({ id: 1, status: 'error', error: { name: 'RangeError', message: 'too big' } });
    await expect(call).rejects.toMatchObject({ name: 'RangeError', message: 'too big' });
  });

  it('fails every pending and later call when the worker crashes, and reports it once', async () => {
    const worker = new FakeWorker();
    const fatal: WorkerFailure[] = [];
    const rpc = client(worker, (f) => fatal.push(f));
    const pending = rpc.call('init', { backend: 'webgpu' });
    worker.crash('out of memory');
    worker.crash('again');
    await expect(pending).rejects.toThrow(/compute worker stopped: out of memory/);
    await expect(rpc.call('checkBackend', { size: 4 })).rejects.toThrow(/out of memory/);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]?.name).toBe('WorkerCrashed');
    expect(worker.terminated).toBe(true);
  });

  it('passes a fatal message from inside the worker to the page', () => {
    const worker = new FakeWorker();
    const fatal: WorkerFailure[] = [];
    client(worker, (f) => fatal.push(f));
    worker.reply({ id: null, status: 'fatal', error: { name: 'Error', message: 'lost device' } });
    expect(fatal).toEqual([{ name: 'Error', message: 'lost device' }]);
  });
});

describe('startedOnce', () => {
  it('starts its worker on the first call only, and hands every caller the same client', async () => {
    const started: FakeWorker[] = [];
    const handle = startedOnce<TestApi, TestProgress>('compute', () => {
      const worker = new FakeWorker();
      started.push(worker);
      return worker;
    });
    expect(started).toHaveLength(0);
    const first = handle(() => undefined);
    const second = handle(() => undefined);
    expect(second).toBe(first);
    expect(started).toHaveLength(1);
    const call = first.call('checkBackend', { size: 4 });
    started[0]?.reply({ id: 1, status: 'done', result: { op: 'matMul 4x4', maxAbsError: 0 } });
    await expect(call).resolves.toMatchObject({ op: 'matMul 4x4' });
  });
});
