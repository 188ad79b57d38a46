/** Saves an exported model as its two files (model.json and the weights) through the browser. */
import type { ExportedModel } from '../../runs/exchange.ts';
import { saveBlob } from '../common/saveBlob.ts';

export function saveFiles(model: ExportedModel): void {
  saveBlob(new Blob([model.json], { type: 'application/json' }), `${model.name}.json`);
  saveBlob(
    new Blob([model.weights], { type: 'application/octet-stream' }),
    `${model.name}.weights.bin`,
  );
}
