/**
 * A stream that collects what is written into one Blob, without holding it as one buffer: every
 * few MB the pending pieces become a Blob of their own (Chromium moves large blob data out of the
 * page's memory, to disk when it must), and the result is a Blob of those Blobs. For browsers
 * without `showSaveFilePicker`, whose download then starts from an object URL of the result.
 */
export interface BlobSink {
  stream: WritableStream<Uint8Array>;
  /** The whole file, once the stream is closed. */
  result: () => Blob;
}

export function blobSink(type: string, flushBytes = 8 * 1024 * 1024): BlobSink {
  const blobs: Blob[] = [];
  let pending: Uint8Array<ArrayBuffer>[] = [];
  let pendingBytes = 0;
  let closed = false;
  const flush = () => {
    if (pending.length > 0) blobs.push(new Blob(pending));
    pending = [];
    pendingBytes = 0;
  };
  const stream = new WritableStream<Uint8Array>({
    write(chunk) {
      // A copy: the writer may reuse its buffer once the write resolves.
      pending.push(chunk.slice());
      pendingBytes += chunk.length;
      if (pendingBytes >= flushBytes) flush();
    },
    close() {
      flush();
      closed = true;
    },
    abort() {
      blobs.length = 0;
      pending = [];
    },
  });
  return {
    stream,
    result: () => {
      if (!closed) throw new Error('The backup was not finished.');
      return new Blob(blobs, { type });
    },
  };
}
