import { useState } from 'react';
import { useAppStore } from '../../store/index.ts';

/** Adds a SegNet or classifier exported from Lesion Lab (model.json and its weights file). */
export function ImportModel() {
  const importModel = useAppStore((s) => s.importModel);
  const ready = useAppStore((s) => s.runtime.status === 'ready');
  const [busy, setBusy] = useState(false);
  return (
    <label className="button-secondary file-button">
      {busy ? 'Importing…' : 'Import an exported model…'}
      <input
        type="file"
        multiple
        accept=".json,.bin"
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
