/**
 * The backup worker: export and import (exportBackup.ts, importBackup.ts) off the main thread, so
 * that reading and writing gigabytes never stalls the page. No tfjs here. One job at a time.
 */
import { serveRpc } from '../lib/rpc.ts';
import { blobSink } from './blobSink.ts';
import { serialQueue, stopSwitch, type StopSwitch } from '../lib/jobs.ts';
import { exportBackup } from './exportBackup.ts';
import { checkBackup, restoreBackup, type CheckedBackup } from './importBackup.ts';
import type { BackupApi, BackupProgress } from './protocol.ts';

/** Export, check and import take turns: each waits for the one before to finish. */
const inTurn = serialQueue();
let running: StopSwitch | null = null;
const checked = new Map<number, CheckedBackup>();
let nextToken = 1;

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
    const signal = stopSwitch();
    running = signal;
    return inTurn(async () => {
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
    const signal = stopSwitch();
    running = signal;
    return inTurn(async () => {
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
    inTurn(async () => {
      const backup = checked.get(token);
      if (!backup)
        throw new Error('Choose the backup file again: it was not checked in this page.');
      checked.delete(token);
      const started = performance.now();
      const result = await restoreBackup(backup, { onProgress: report });
      return { ...result, seconds: (performance.now() - started) / 1000 };
    }),
  cancel: async () => {
    if (running) running.stopped = true;
    return null;
  },
  forget: async ({ token }) => {
    checked.delete(token);
    return null;
  },
});
