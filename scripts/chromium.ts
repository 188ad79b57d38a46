/**
 * Debian's Chromium, as the e2e tests and the benchmarks run it (never a downloaded browser).
 * `--enable-unsafe-webgpu` gives headless Chromium a real WebGPU adapter (SwiftShader, in software,
 * on a machine without a GPU); the other flags keep it from calling home on a closed network.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // Chromium's sandbox refuses to start as root.
  ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
];
