import { useAppStore } from '../../store/index.ts';
import { BackupControls } from './BackupControls.tsx';
import { CountsTable } from './CountsTable.tsx';
import { DatasetActions } from './DatasetActions.tsx';
import { DropZone } from './DropZone.tsx';
import { Gallery } from './Gallery.tsx';
import { IngestStatus } from './IngestStatus.tsx';
import { ProblemList } from './ProblemList.tsx';
import { StorageEstimate } from './StorageEstimate.tsx';

/** Stage 1: add ISIC folders or zips, see what is stored, and every file that was not used. */
export function DatasetStage() {
  const summary = useAppStore((s) => s.dataset.summary);
  return (
    <div className="panel">
      <DropZone />
      <StorageEstimate />
      <IngestStatus />
      {summary && (
        <>
          <CountsTable summary={summary} />
          <ProblemList problems={summary.problems} />
          <Gallery rows={summary.rows} />
        </>
      )}
      <DatasetActions />
      <BackupControls />
    </div>
  );
}
