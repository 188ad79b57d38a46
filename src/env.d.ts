/** The app's version from package.json, set by Vite at build time (vite.config.ts). */
declare const __APP_VERSION__: string;
