/** Saves a blob as a download with the given file name. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  // The download has its own reference; the URL is no longer needed once it started.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
