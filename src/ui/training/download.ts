/** Saves an exported model as its two files (model.json and the weights) through the browser. */
import type { ExportedModel } from '../../train/exchange.ts';

function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  // The download has its own reference; the URL is no longer needed once it started.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function saveFiles(model: ExportedModel): void {
  save(new Blob([model.json], { type: 'application/json' }), `${model.name}.json`);
  save(
    new Blob([model.weights], { type: 'application/octet-stream' }),
    `${model.name}.weights.bin`,
  );
}
