/**
 * The worker imports src/ modules that read the app's version, which Vite defines (vite.config.ts);
 * tsconfig.node.json, which typechecks bench/, does not see src/env.d.ts.
 */
declare const __APP_VERSION__: string;
