import { useAppStore } from '../../store/index.ts';
import { RunList } from './RunList.tsx';
import { TrainControls } from './TrainControls.tsx';
import { TrainingCharts } from './TrainingCharts.tsx';
import { ValidationPreviews } from './ValidationPreviews.tsx';

/** Stage 2: train the SegNet lesion segmenter, watch it learn, and keep its runs. */
export function SegmentationStage() {
  const run = useAppStore((s) =>
    s.segmentation.runs.find(
      (r) => r.id === (s.segmentation.activeRunId ?? s.segmentation.selectedRunId),
    ),
  );
  const previewEpoch = useAppStore((s) =>
    run ? (s.segmentation.previewEpoch[run.id] ?? run.history.at(-1)?.epoch) : undefined,
  );
  return (
    <div className="panel">
      <TrainControls />
      {run && (
        <>
          <TrainingCharts run={run} />
          <ValidationPreviews runId={run.id} epoch={previewEpoch} />
        </>
      )}
      <RunList />
    </div>
  );
}
