import { useState } from 'react';
import { formatBytes } from '../../dataset/storage.ts';
import { useAppStore } from '../../store/index.ts';

/**
 * Storage used by the app and whether the browser keeps it when the disk runs low (with the button
 * that asks it to), and deleting the dataset (with an inline confirmation).
 */
export function DatasetActions() {
  const { storage, summary, status, persisted } = useAppStore((s) => s.dataset);
  const deleteDataset = useAppStore((s) => s.deleteDataset);
  const persistStorage = useAppStore((s) => s.persistStorage);
  const [confirming, setConfirming] = useState(false);
  const [askedPersist, setAskedPersist] = useState(false);
  const images = summary?.rows.length ?? 0;

  return (
    <div className="dataset-actions">
      {storage && (
        <span className="muted" data-testid="storage-usage" data-value={storage.usage}>
          This site stores {formatBytes(storage.usage)}
          {storage.quota > 0 && ` of ${formatBytes(storage.quota)} it may use`}.
        </span>
      )}
      {persisted !== null && (
        <span className="muted" data-testid="storage-persisted" data-value={String(persisted)}>
          {persisted ? (
            'The browser keeps this data when the disk runs low.'
          ) : (
            <>
              The browser may clear this data when the disk runs low.{' '}
              <button
                type="button"
                className="button-quiet"
                data-testid="persist-storage"
                onClick={() => {
                  setAskedPersist(true);
                  void persistStorage();
                }}
              >
                Keep data when disk is low
              </button>
              {askedPersist &&
                ' The browser declined for now: it grants this by its own rules (Chromium to sites used often, bookmarked or installed).'}
            </>
          )}
        </span>
      )}
      {summary && !confirming && (
        <button
          type="button"
          className="button-danger"
          data-testid="delete-dataset"
          disabled={status === 'running'}
          onClick={() => setConfirming(true)}
        >
          Delete dataset
        </button>
      )}
      {confirming && (
        <span className="confirm">
          Delete all {images} images, masks and labels from this browser?{' '}
          <button
            type="button"
            className="button-danger"
            data-testid="confirm-delete"
            onClick={() => {
              setConfirming(false);
              void deleteDataset();
            }}
          >
            Delete
          </button>{' '}
          <button type="button" className="button-quiet" onClick={() => setConfirming(false)}>
            Keep it
          </button>
        </span>
      )}
    </div>
  );
}
