import { Suspense, lazy } from 'react';
import { isDenseNet121 } from '../../models/densenetConfig.ts';
import { useAppStore } from '../../store/index.ts';
import type { ClassifierConfig } from '../../training/classifierConfig.ts';
import { CLASSIFIER_METRICS, bestFigures, latestVal } from '../../runs/runs.ts';
import { describeSchedule, score } from '../format.ts';
import { Figure } from '../common/Figure.tsx';
import { RunTable } from '../training/RunTable.tsx';
import { TrainStatus } from '../training/TrainStatus.tsx';
import { ClassifierControls } from './ClassifierControls.tsx';
import { ImportModel } from './ImportModel.tsx';
import { PretrainedWeights } from './PretrainedWeights.tsx';
import { ValidationPredictions } from './ValidationPredictions.tsx';
import { useClassifierRecipe } from './recipe.ts';

// recharts is large: it loads with the first run to chart, not with the page.
const ClassifierCharts = lazy(() =>
  import('./ClassifierCharts.tsx').then((m) => ({ default: m.ClassifierCharts })),
);

/** Why the classifier cannot train yet, in words, or null. */
function useBlocked(batchSize: number): string | null {
  const masking = useAppStore((s) => s.masking.summary);
  const revision = useAppStore((s) => s.dataset.info?.revision);
  const counts = useAppStore((s) => s.dataset.summary?.counts);
  if (!masking)
    return 'Apply masks in the Masking stage first: the classifier learns from masked images.';
  if (revision !== undefined && masking.datasetRevision !== revision) {
    return 'The dataset changed after the masks were applied: apply them again in the Masking stage.';
  }
  const train = counts ? counts.train.total - counts.train.unlabeled : 0;
  if (train < batchSize) {
    return `Needs at least ${batchSize} labelled training images (one batch); there are ${train}.`;
  }
  const val = counts?.val;
  if (!val || val.melanoma === 0 || val.melanoma === val.total - val.unlabeled) {
    return 'The validation split needs melanomas and other lesions to measure the melanoma AUC.';
  }
  return null;
}

function describeRun(config: ClassifierConfig): string {
  const start = config.pretrained
    ? `From ImageNet weights (${config.pretrained.matched} of ${config.pretrained.total} layers)`
    : 'From scratch';
  const mode = config.mode === 'frozen' ? 'frozen backbone' : 'fine-tuned';
  const balance = {
    oversample: 'rare classes oversampled',
    'class-weights': 'class-weighted loss',
    none: 'classes as they come',
  }[config.balance];
  const schedule = describeSchedule(config.schedule, config.weightDecay);
  const light = config.model.colorConstancy ? '; colour constancy on every image' : '';
  const crop = config.lesionCrop ? ', centred and zoomed on the lesion' : '';
  const other = config.otherClass
    ? '; images of other diagnoses learned as a fourth class, "other" (not scored)'
    : '';
  return `${start}, ${mode}, ${balance}; batch ${config.batchSize}, learning rate ${config.learningRate}${schedule ? ` (${schedule})` : ''}${light}; trained on ${config.masks}${crop}${other}.`;
}

/** Stage 4: train the DenseNet classifier on the masked images, watch it learn, keep its runs. */
export function ClassifierStage() {
  const recipe = useClassifierRecipe();
  const { runs, selectedRunId, activeRunId, status, previewEpoch } = useAppStore(
    (s) => s.training.classifier,
  );
  const run = runs.find((r) => r.id === (activeRunId ?? selectedRunId));
  const blocked = useBlocked(recipe.batchSize);
  const auc = run && latestVal(run, CLASSIFIER_METRICS.melanomaAuc);
  const accuracy = run && latestVal(run, CLASSIFIER_METRICS.accuracy);
  const bestAuc = run && bestFigures(run)?.val[CLASSIFIER_METRICS.melanomaAuc];

  return (
    <div className="panel">
      <ClassifierControls disabled={status === 'running'} />
      <PretrainedWeights applies={isDenseNet121(recipe.model)} />
      <TrainStatus kind="classifier" trainLabel="Train classifier" blocked={blocked} />
      {run && (
        <>
          <dl className="figures">
            <Figure id="classifier-val-auc" label="Validation melanoma AUC" value={auc} />
            <Figure id="classifier-val-accuracy" label="Validation accuracy" value={accuracy} />
            <dt>Epochs</dt>
            <dd>
              {run.epochsDone} of {run.config.epochs}
            </dd>
            <dt>Best epoch</dt>
            <dd>{run.bestEpoch === null ? '–' : run.bestEpoch + 1}</dd>
            <Figure id="classifier-best-auc" label="Its melanoma AUC" value={bestAuc} />
          </dl>
          <p className="muted" data-testid="classifier-run-recipe">
            {describeRun(run.config)}
          </p>
          <Suspense fallback={<p className="muted">Loading the charts…</p>}>
            <ClassifierCharts run={run} />
          </Suspense>
          <ValidationPredictions
            runId={run.id}
            epoch={previewEpoch[run.id] ?? run.bestEpoch ?? undefined}
          />
        </>
      )}
      <RunTable
        kind="classifier"
        caption="Classifier runs in this browser"
        figure={{
          header: 'Best val melanoma AUC',
          cell: (r) => score(bestFigures(r)?.val[CLASSIFIER_METRICS.melanomaAuc]),
        }}
      />
      <ImportModel />
    </div>
  );
}
