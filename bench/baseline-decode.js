// The ingest baseline, injected into the page as it is (kept out of the bundler's and tsx's hands):
// bare createImageBitmap decode + resize to 256x256 + pixel read-back, two files at a time.
window.benchDecode = async function benchDecode(files) {
  const started = performance.now();
  let next = 0;
  async function lane() {
    const canvas = new OffscreenCanvas(256, 256);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    while (next < files.length) {
      const file = files[next++];
      const bitmap = await createImageBitmap(file, {
        resizeWidth: 256,
        resizeHeight: 256,
        resizeQuality: 'high',
      });
      context.drawImage(bitmap, 0, 0);
      context.getImageData(0, 0, 256, 256);
      bitmap.close();
    }
  }
  await Promise.all([lane(), lane()]);
  return (performance.now() - started) / 1000;
};
