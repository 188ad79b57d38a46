/**
 * Which GPU headless Chromium gets with each set of flags: the WebGPU adapter and the WebGL
 * renderer, as JSON lines. run.sh uses it on a lent GPU machine to pick the flags that put both on
 * the real GPU before it runs the benchmarks. `tsx scripts/device-bench/probe.ts 'flags' ['flags'…]`
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../chromium.ts';

interface Probe {
  flags: string;
  webgpu: string;
  webgl: string;
  error?: string;
}

// A page from localhost: WebGPU is only offered to secure contexts.
const server = createServer((_, response) => response.end('<!doctype html><title>probe</title>'));
await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
const url = `http://localhost:${(server.address() as AddressInfo).port}/`;

async function probe(flags: string): Promise<Probe> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, ...flags.split(' ').filter(Boolean)],
    timeout: 60_000,
  });
  try {
    const page = await browser.newPage();
    await page.goto(url);
    const found = await page.evaluate(async () => {
      const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
      const adapter = (await gpu?.requestAdapter()) as
        | { info?: { vendor: string; architecture: string; device: string; description: string } }
        | null
        | undefined;
      const info = adapter?.info;
      const webgpu = info
        ? [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ')
        : gpu
          ? 'no adapter'
          : 'no navigator.gpu';
      const gl = document.createElement('canvas').getContext('webgl2');
      const debug = gl?.getExtension('WEBGL_debug_renderer_info');
      const webgl = gl
        ? String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER))
        : 'no WebGL 2';
      return { webgpu, webgl };
    });
    return { flags, ...found };
  } finally {
    await browser.close();
  }
}

for (const flags of process.argv.slice(2)) {
  const result = await probe(flags).catch((error: unknown) => ({
    flags,
    webgpu: '',
    webgl: '',
    error: error instanceof Error ? error.message.split('\n')[0] : String(error),
  }));
  console.log(JSON.stringify(result));
}
server.close();
