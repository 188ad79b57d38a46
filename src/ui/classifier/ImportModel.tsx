import { useState } from 'react';
import { useAppStore } from '../../store/index.ts';

/**
 * Adds a SegNet or classifier exported from Lesion Lab (model.json and its weights file), or one
 * of the seed's own Keras 2 models (its `model.save()` .h5).
 */
export function ImportModel() {
  const importModel = useAppStore((s) => s.importModel);
  const ready = useAppStore((s) => s.runtime.status === 'ready');
  const [busy, setBusy] = useState(false);
  return (
    <label className="button-secondary file-button">
      {busy ? 'Importing…' : 'Import a model (Lesion Lab export or Keras .h5)…'}
      <input
        type="file"
        multiple
        accept=".json,.bin,.h5,.hdf5"
        data-testid="import-model"
        disabled={busy || !ready}
        onChange={(e) => {
          const files = [...(e.target.files ?? [])];
          e.target.value = '';
          if (files.length === 0) return;
          setBusy(true);
          void importModel(files).finally(() => setBusy(false));
        }}
      />
    </label>
  );
}
