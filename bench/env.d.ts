/**
 * The benchmark workers import src/ modules that read the app's version, which Vite defines
 * (vite.config.ts), and the wasm binaries' URLs (`?url`, src/worker/wasmFiles.ts);
 * tsconfig.node.json, which typechecks bench/, does not see src/env.d.ts. Declared once here for
 * all of bench/.
 */
/// <reference types="vite/client" />
declare const __APP_VERSION__: string;
