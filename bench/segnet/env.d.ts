/**
 * The benchmark workers (bench/segnet, bench/densenet) import src/ modules that read the app's
 * version, which Vite defines (vite.config.ts); tsconfig.node.json, which typechecks bench/, does
 * not see src/env.d.ts. Declared once here for all of bench/.
 */
declare const __APP_VERSION__: string;
