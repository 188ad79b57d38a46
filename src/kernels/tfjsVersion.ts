/**
 * The one tfjs version this project runs on. The kernels in src/kernels replace and patch tfjs
 * 4.22 internals (kernel registrations, backend classes, WebAssembly exports), which another
 * release may change without notice: package.json pins every tfjs package to exactly this version,
 * and the worker refuses to start on any other (src/worker/backend.ts). Updating tfjs means
 * checking the kernels against the new release, then changing this constant and package.json.
 */
export const TFJS_VERSION = '4.22.0';

/** The tfjs packages package.json depends on directly. */
export const TFJS_PACKAGES = [
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-backend-webgpu',
] as const;

/**
 * What is wrong with the tfjs versions found (package name → version, as the loaded code reports
 * it), in words naming each package at another version and the version expected; null when all
 * are `expected`.
 */
export function tfjsVersionMismatch(
  found: Record<string, string | undefined>,
  expected: string = TFJS_VERSION,
): string | null {
  const wrong = Object.entries(found)
    .filter(([, version]) => version !== expected)
    .map(([name, version]) => `${name} ${version ?? '(no version)'}`);
  if (wrong.length === 0) return null;
  return (
    `This build loaded ${wrong.join(', ')}, but its training kernels are written for tfjs ` +
    `${expected} exactly: it needs the tfjs packages that package.json pins (npm ci), then a new build.`
  );
}
