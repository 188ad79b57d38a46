import { useEffect, useState } from 'react';
import { backupClient, backupFileName, pickBackupFile } from '../../backup/client.ts';
import { withJobLock } from '../../storage/jobLock.ts';
import type { BackupHeader } from '../../backup/format.ts';
import { interruptedImport } from '../../backup/marker.ts';
import type { BackupProgress } from '../../backup/protocol.ts';
import { formatBytes } from '../../dataset/storage.ts';
import { errorText } from '../../lib/errorText.ts';
import { useAppStore } from '../../store/index.ts';
import { saveBlob } from '../common/saveBlob.ts';
import { when } from '../format.ts';

type Phase = 'idle' | 'exporting' | 'checking' | 'confirm' | 'writing' | 'done' | 'error';

interface View {
  phase: Phase;
  progress: BackupProgress | null;
  /** What the last action did, or what it refused and why. */
  message: string | null;
  /** A checked backup waiting for the person's go-ahead. */
  pending: { token: number; header: BackupHeader } | null;
}

/** What the page says after the reload that follows an import. */
const NOTE_KEY = 'lesion-lab/backup-note';
/** Taken once per page load, so that it shows once. */
const noteOnLoad = sessionStorage.getItem(NOTE_KEY);
if (noteOnLoad) sessionStorage.removeItem(NOTE_KEY);

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function holds(header: BackupHeader): string {
  const { images, masks, runs } = header.contents;
  return `${plural(images, 'image')}, ${plural(masks, 'mask')} and ${plural(runs, 'run')}`;
}

function progressText(progress: BackupProgress): string {
  if (progress.phase === 'export') {
    return `Backing up: ${progress.done} of ${plural(progress.total, 'record')} · ${formatBytes(progress.bytes)}`;
  }
  const verb = progress.phase === 'check' ? 'Checking the backup' : 'Importing';
  return `${verb}: ${formatBytes(progress.done)} of ${formatBytes(progress.total)}`;
}

/**
 * "Back up everything…" (the dataset, runs, checkpoints and evaluations, to one zip) and importing
 * such a file into this browser, replacing what it holds once the person agrees. The work runs in
 * the backup worker (src/backup); the page shows its progress, and reloads after an import.
 */
export function BackupControls() {
  const hasDataset = useAppStore((s) => s.dataset.summary !== null);
  const runs = useAppStore(
    (s) => s.training.segnet.runs.length + s.training.classifier.runs.length,
  );
  const busyWith = useAppStore((s) =>
    s.dataset.status === 'running'
      ? 'adding files'
      : s.training.segnet.status === 'running' || s.training.classifier.status === 'running'
        ? 'training'
        : s.masking.status === 'running'
          ? 'masking'
          : s.evaluation.status === 'running'
            ? 'evaluating'
            : null,
  );
  const [view, setView] = useState<View>({
    phase: noteOnLoad ? 'done' : 'idle',
    progress: null,
    message: noteOnLoad,
    pending: null,
  });
  const [interrupted, setInterrupted] = useState<string | null>(null);

  useEffect(() => {
    void interruptedImport()
      .then((mark) => {
        if (mark) {
          setInterrupted(
            `An import started ${when(mark.startedAt)} did not finish: the data in this browser is ` +
              'incomplete. Import the backup again.',
          );
        }
      })
      .catch(() => undefined);
  }, []);

  const client = () =>
    backupClient((failure) =>
      setView({ phase: 'error', progress: null, message: failure.message, pending: null }),
    );
  const onProgress = (progress: BackupProgress) => setView((v) => ({ ...v, progress }));
  const fail = (error: unknown) => {
    const name = error instanceof Error ? error.name : '';
    const message =
      name === 'BackupCancelled'
        ? 'Cancelled: nothing was written.'
        : name === 'BackupRefused'
          ? `${errorText(error)} Nothing in this browser was changed.`
          : errorText(error);
    setView({
      phase: name === 'BackupCancelled' ? 'idle' : 'error',
      progress: null,
      message,
      pending: null,
    });
  };

  const exportAll = async () => {
    const name = backupFileName();
    // The picker first, while the click still counts as the person's gesture.
    const handle = await pickBackupFile(name);
    if (handle === 'cancelled') return;
    setView({ phase: 'exporting', progress: null, message: null, pending: null });
    try {
      // A backup is a snapshot: no other tab writes while it is read.
      const result = await withJobLock('backing up everything', () =>
        client().call('export', { handle }, onProgress),
      );
      if (result.blob) saveBlob(result.blob, name);
      setView({
        phase: 'done',
        progress: null,
        pending: null,
        message:
          `Backed up ${holds(result.header)} (${formatBytes(result.bytes)}) in ` +
          `${result.seconds.toFixed(1)} s${handle ? ` to ${handle.name}` : ''}.`,
      });
    } catch (error) {
      fail(error);
    }
  };

  const restore = async (token: number, header: BackupHeader) => {
    setView({ phase: 'writing', progress: null, message: null, pending: null });
    try {
      const result = await withJobLock('importing a backup', () =>
        client().call('restore', { token }, onProgress),
      );
      sessionStorage.setItem(
        NOTE_KEY,
        `Imported the backup of ${when(header.createdAt)}: ${holds(header)} ` +
          `(${formatBytes(result.bytes)} of records written in ${result.seconds.toFixed(1)} s).`,
      );
      // Every view, and both workers' caches, start again from the imported data.
      location.reload();
    } catch (error) {
      fail(error);
    }
  };

  const importFile = async (file: File) => {
    setView({ phase: 'checking', progress: null, message: null, pending: null });
    try {
      const { token, header } = await client().call('check', { file }, onProgress);
      if (hasDataset || runs > 0) {
        setView({ phase: 'confirm', progress: null, message: null, pending: { token, header } });
      } else {
        await restore(token, header);
      }
    } catch (error) {
      fail(error);
    }
  };

  const working =
    view.phase === 'exporting' || view.phase === 'checking' || view.phase === 'writing';
  const blocked = working || view.phase === 'confirm' || busyWith !== null;
  const replaced = [hasDataset ? 'the dataset' : null, runs > 0 ? plural(runs, 'run') : null]
    .filter(Boolean)
    .join(' and ');

  return (
    <div className="backup" data-testid="backup" data-state={view.phase} aria-live="polite">
      <div className="dataset-actions">
        <span className="muted">
          Move this browser&apos;s dataset, runs, checkpoints and evaluations to another browser
          with one file.
        </span>
        <span className="backup-buttons">
          <button
            type="button"
            className="button-secondary"
            data-testid="backup-export"
            disabled={blocked || (!hasDataset && runs === 0)}
            title={busyWith ? `Wait until ${busyWith} has finished.` : undefined}
            onClick={() => void exportAll()}
          >
            Back up everything…
          </button>{' '}
          <label
            className={`button button-secondary file-button${blocked ? ' button-disabled' : ''}`}
            title={busyWith ? `Wait until ${busyWith} has finished.` : undefined}
          >
            Import a backup…
            <input
              type="file"
              accept=".zip"
              data-testid="backup-import"
              disabled={blocked}
              onChange={(e) => {
                const file = e.target.files?.[0];
                e.target.value = '';
                if (file) void importFile(file);
              }}
            />
          </label>
        </span>
      </div>
      {interrupted && (
        <p className="notice-inline" data-testid="backup-interrupted">
          {interrupted}
        </p>
      )}
      {working && (
        <div className="backup-progress">
          <progress
            max={view.progress?.total || 1}
            value={view.progress ? view.progress.done : undefined}
          />
          <span data-testid="backup-progress">
            {view.progress
              ? progressText(view.progress)
              : view.phase === 'exporting'
                ? 'Backing up…'
                : view.phase === 'checking'
                  ? 'Checking the backup…'
                  : 'Importing…'}
          </span>{' '}
          {view.phase !== 'writing' && (
            <button
              type="button"
              className="button-quiet"
              data-testid="backup-cancel"
              onClick={() => void client().call('cancel', {})}
            >
              Cancel
            </button>
          )}
        </div>
      )}
      {view.phase === 'confirm' && view.pending && (
        <p className="confirm" data-testid="backup-confirm-text">
          This replaces {replaced} stored in this browser with the backup of{' '}
          {when(view.pending.header.createdAt)}: {holds(view.pending.header)}.{' '}
          <button
            type="button"
            className="button-danger"
            data-testid="backup-confirm"
            onClick={() => {
              const { token, header } = view.pending as NonNullable<View['pending']>;
              void restore(token, header);
            }}
          >
            Replace
          </button>{' '}
          <button
            type="button"
            className="button-quiet"
            onClick={() => {
              void client().call('forget', {
                token: (view.pending as NonNullable<View['pending']>).token,
              });
              setView({ phase: 'idle', progress: null, message: null, pending: null });
            }}
          >
            Keep mine
          </button>
        </p>
      )}
      {view.message && (
        <p
          className={view.phase === 'error' ? 'error-text' : 'muted'}
          role={view.phase === 'error' ? 'alert' : undefined}
          data-testid={view.phase === 'error' ? 'backup-error' : 'backup-status'}
        >
          {view.message}
        </p>
      )}
    </div>
  );
}
