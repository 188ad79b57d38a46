import type { ClassifierConfig } from '../../training/classifierConfig.ts';
import { CLASSIFIER_METRICS, type RunRecord } from '../../runs/runs.ts';
import { EpochChart } from '../training/EpochChart.tsx';

/** Loss, accuracy and the validation AUCs per epoch of one run; the best epoch is marked. */
export function ClassifierCharts({ run }: { run: RunRecord<ClassifierConfig> }) {
  const data = run.history.map((h) => ({
    epoch: h.epoch + 1,
    loss: h.loss,
    valLoss: h.valLoss,
    accuracy: h.val[CLASSIFIER_METRICS.accuracy],
    melanomaAuc: h.val[CLASSIFIER_METRICS.melanomaAuc],
    keratosisAuc: h.val[CLASSIFIER_METRICS.keratosisAuc],
  }));
  if (data.length === 0) {
    return <p className="muted">The charts fill in as each epoch ends.</p>;
  }
  const best = run.bestEpoch === null ? null : run.bestEpoch + 1;
  return (
    <div className="charts" data-testid="classifier-charts" data-epochs={data.length}>
      <EpochChart
        title="Cross-entropy loss"
        data={data}
        best={best}
        yMax="auto"
        lines={[
          { key: 'loss', name: 'train', color: '#2f6fb0' },
          { key: 'valLoss', name: 'validation', color: '#c0392b' },
        ]}
      />
      <EpochChart
        title="Validation"
        data={data}
        best={best}
        lines={[
          { key: 'melanomaAuc', name: 'melanoma AUC', color: '#c0392b' },
          { key: 'keratosisAuc', name: 'keratosis AUC', color: '#b7950b' },
          { key: 'accuracy', name: 'accuracy', color: '#16866b' },
        ]}
      />
    </div>
  );
}
