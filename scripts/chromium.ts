/**
 * Debian's Chromium, as the e2e tests and the benchmarks run it (never a downloaded browser).
 * `--enable-unsafe-webgpu` gives headless Chromium a real WebGPU adapter (SwiftShader, in software,
 * on a machine without a GPU); the other flags keep it from calling home on a closed network.
 * `CHROMIUM_PATH` names another Chromium; `CHROMIUM_FLAGS` adds flags (space-separated), e.g. the
 * ones that put WebGPU and WebGL on a real GPU in a headless server (scripts/device-bench/run.sh).
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
  ...(process.env.CHROMIUM_FLAGS ?? '').split(' ').filter(Boolean),
];
