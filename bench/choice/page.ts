/**
 * The backend-choice benchmark's page (served by Vite's dev server, driven by bench/choice.ts):
 * `window.runChoiceBench(work)` runs the app's own backend measurement — one probe worker per
 * backend, as on a person's first training — and resolves with what it measured and chose.
 */
import {
  measureBackends,
  type BackendMeasurement,
  type TimedWork,
} from '../../src/client/backendChoice.ts';

declare global {
  interface Window {
    runChoiceBench: (work: TimedWork) => Promise<BackendMeasurement>;
  }
}

window.runChoiceBench = async (work) => {
  const measurement = await measureBackends(work, ({ backend, done, total }) =>
    console.log(`[choice ${work.model}] timing ${backend} (${done + 1} of ${total})`),
  );
  for (const { backend, timing, reason } of measurement.trials) {
    const outcome = timing ? `${timing.imagesPerSecond.toFixed(1)} images/s` : reason;
    console.log(`[choice ${work.model}] ${backend}: ${outcome}`);
  }
  return measurement;
};
