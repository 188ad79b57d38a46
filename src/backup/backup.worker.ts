/**
 * The backup worker: export and import (exportBackup.ts, importBackup.ts) off the main thread, so
 * that reading and writing gigabytes never stalls the page. No tfjs here. One job at a time.
 */
import { serveRpc } from '../worker/rpc.ts';
import { blobSink } from './blobSink.ts';
import { exportBackup, type CancelSignal } from './exportBackup.ts';
import { checkBackup, restoreBackup, type CheckedBackup } from './importBackup.ts';
import type { BackupApi, BackupProgress } from './protocol.ts';

let queue: Promise<unknown> = Promise.resolve();
let running: CancelSignal | null = null;
const checked = new Map<number, CheckedBackup>();
let nextToken = 1;

/** Runs `task` after every earlier one has finished (whether it succeeded or not). */
function exclusive<T>(task: () => Promise<T>): Promise<T> {
  const result = queue.then(task, task);
  queue = result.catch(() => undefined);
  return result;
}

/** Counts the bytes that pass, for the file's size. */
function counted(stream: WritableStream<Uint8Array>): {
  stream: WritableStream<Uint8Array>;
  bytes: () => number;
} {
  let bytes = 0;
  const writer = stream.getWriter();
  return {
    stream: new WritableStream<Uint8Array>({
      write: (chunk) => {
        bytes += chunk.length;
        return writer.write(chunk);
      },
      close: () => writer.close(),
      abort: (reason: unknown) => writer.abort(reason),
    }),
    bytes: () => bytes,
  };
}

serveRpc<BackupApi, BackupProgress>({
  export: ({ handle }, report) => {
    const signal: CancelSignal = { cancelled: false };
    running = signal;
    return exclusive(async () => {
      const started = performance.now();
      const sink = handle ? null : blobSink('application/zip');
      // A file on disk: written to a temporary file, which takes its place only when closed.
      const target = counted(
        sink ? sink.stream : await (handle as FileSystemFileHandle).createWritable(),
      );
      const header = await exportBackup(target.stream, {
        appVersion: __APP_VERSION__,
        onProgress: report,
        signal,
      });
      return {
        header,
        blob: sink ? sink.result() : null,
        bytes: target.bytes(),
        seconds: (performance.now() - started) / 1000,
      };
    }).finally(() => {
      if (running === signal) running = null;
    });
  },
  check: ({ file }, report) => {
    const signal: CancelSignal = { cancelled: false };
    running = signal;
    return exclusive(async () => {
      const started = performance.now();
      const backup = await checkBackup(file, { onProgress: report, signal });
      const token = nextToken++;
      checked.clear();
      checked.set(token, backup);
      return { token, header: backup.header, seconds: (performance.now() - started) / 1000 };
    }).finally(() => {
      if (running === signal) running = null;
    });
  },
  restore: ({ token }, report) =>
    exclusive(async () => {
      const backup = checked.get(token);
      if (!backup)
        throw new Error('Choose the backup file again: it was not checked in this page.');
      checked.delete(token);
      const started = performance.now();
      const result = await restoreBackup(backup, { onProgress: report });
      return { ...result, seconds: (performance.now() - started) / 1000 };
    }),
  cancel: async () => {
    if (running) running.cancelled = true;
    return null;
  },
  forget: async ({ token }) => {
    checked.delete(token);
    return null;
  },
});
