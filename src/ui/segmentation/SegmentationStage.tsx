import { Suspense, lazy } from 'react';
import { useAppStore } from '../../store/index.ts';
import { RunList } from './RunList.tsx';
import { TrainControls } from './TrainControls.tsx';
import { ValidationPreviews } from './ValidationPreviews.tsx';

// recharts is large: it loads with the first run to chart, not with the page.
const TrainingCharts = lazy(() =>
  import('./TrainingCharts.tsx').then((m) => ({ default: m.TrainingCharts })),
);

/** Stage 2: train the SegNet lesion segmenter, watch it learn, and keep its runs. */
export function SegmentationStage() {
  const run = useAppStore((s) =>
    s.training.segnet.runs.find(
      (r) => r.id === (s.training.segnet.activeRunId ?? s.training.segnet.selectedRunId),
    ),
  );
  const previewEpoch = useAppStore((s) =>
    run ? (s.training.segnet.previewEpoch[run.id] ?? run.history.at(-1)?.epoch) : undefined,
  );
  return (
    <div className="panel">
      <TrainControls />
      {run && (
        <>
          <Suspense fallback={<p className="muted">Loading the charts…</p>}>
            <TrainingCharts run={run} />
          </Suspense>
          <ValidationPreviews runId={run.id} epoch={previewEpoch} />
        </>
      )}
      <RunList />
    </div>
  );
}
