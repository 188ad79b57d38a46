import { useMemo, useState, type DragEvent } from 'react';
import { CLASSES, CLASS_LABELS, MELANOMA } from '../../dataset/types.ts';
import { loadEvaluation, type EvaluationRecord } from '../../evaluation/record.ts';
import { binaryConfusion, sensitivity, specificity } from '../../metrics/classification.ts';
import { applyCalibration, type Calibrator } from '../../metrics/calibration.ts';
import { classScores } from '../../metrics/report.ts';
import { runClinicalCalibration } from '../../metrics/clinicalScores.ts';
import { learnsPatientData, type ClinicalValues } from '../../metrics/clinical.ts';
import { LESION_MEASURES } from '../../metrics/lesion/measures.ts';
import type { DiagnoseFigures } from '../../store/diagnoseSlice.ts';
import { diagnoseImages } from '../../store/diagnoseImages.ts';
import { useAppStore } from '../../store/index.ts';
import { describeCalibration, score, when } from '../format.ts';
import { PhotoViews } from './PhotoViews.tsx';
import { useLoaded } from '../common/useLoaded.ts';

/**
 * The validation sensitivity and specificity of a run at a threshold, if it was evaluated there:
 * of the scores as Diagnose gives them (the views' mean with `calibration`, with each image's own
 * clinical data where `calibration` weighs them and the record has them) where the record has
 * them, else of its plain scores.
 */
function useOperatingPoint(
  runId: string | undefined,
  threshold: number,
  calibration: Calibrator | undefined,
) {
  const { value: record } = useLoaded(
    async (): Promise<EvaluationRecord | null> =>
      runId ? ((await loadEvaluation(runId, 'val')) ?? null) : null,
    [runId],
  );
  return useMemo(() => {
    if (!record) return null;
    const confusion = binaryConfusion(
      record.labels.map((l) => l === MELANOMA),
      classScores(
        !record.ttaProbabilities
          ? record.probabilities
          : calibration?.clinicalWeight !== undefined
            ? record.clinical
              ? applyCalibration(record.ttaProbabilities, calibration, 3, record.clinical)
              : record.probabilities
            : applyCalibration(record.ttaProbabilities, calibration ?? { temperature: 1 }),
        MELANOMA,
      ),
      threshold,
    );
    return { sensitivity: sensitivity(confusion), specificity: specificity(confusion) };
  }, [record, threshold, calibration]);
}

/** "age 62, male, back": what is given. */
function clinicalText({ age, sex, site }: ClinicalValues): string {
  const given = [age === null ? null : `age ${age}`, sex, site].filter(
    (v): v is string => v !== null,
  );
  return given.join(', ');
}

const MEASURED = "the lesion's measured size, border, shape, colours and texture";

/** The photo's lesion measures a dermatologist reads (ABCD), for the sentence under the scores. */
function measuresText(measures: readonly number[]): string {
  const of = (name: (typeof LESION_MEASURES)[number]) =>
    measures[LESION_MEASURES.indexOf(name)] as number;
  return [
    `covers ${(of('area') * 100).toFixed(0)}% of the frame`,
    `asymmetry ${of('asymmetry').toFixed(2)} (0: mirror-symmetric)`,
    `border ${of('border').toFixed(2)} (about 1: a disc's)`,
    `solidity ${of('solidity').toFixed(2)} (near 1: convex)`,
    `brightness range ${of('brightnessRange').toFixed(2)} of the image's light`,
    `colour difference between its halves ΔE ${of('colourAsymmetry').toFixed(0)} and between centre and rim ΔE ${of('centreToRim').toFixed(0)} (CIELAB; about 2: barely visible)`,
  ].join(', ');
}

/** What the shown scores weigh besides the image, and what the person could add. */
function clinicalSentence(result: DiagnoseFigures, values: ClinicalValues): string {
  const model = result.clinicalCalibration?.model;
  if (!model) return 'From the image alone: this classifier learned no clinical data.';
  const askable = learnsPatientData(model);
  if (!result.clinical) {
    return askable
      ? 'From the image alone: give the age, sex or body site above to weigh them too.'
      : 'From the image alone: the SegNet found no lesion to measure.';
  }
  const weighed = [
    result.patient ? clinicalText(values) : null,
    result.measured ? MEASURED : null,
  ].filter((v): v is string => v !== null);
  const invite =
    askable && !result.patient ? ' Give the age, sex or body site above to weigh them too.' : '';
  return `The scores weigh ${weighed.join(' and ')}, as the classifier's calibration learned them.${invite}`;
}

/**
 * The patient's age and sex and the lesion's body site, optional: the classifier run Diagnose uses
 * (the one evaluated, else the latest) weighs them where its calibration learned them from the
 * dataset's metadata. The sites are the ones it learned.
 */
function ClinicalFields() {
  const clinical = useAppStore((s) => s.diagnose.clinical);
  const runId = useAppStore((s) => s.evaluation.runId);
  const runs = useAppStore((s) => s.training.classifier.runs);
  const { setClinical } = useAppStore.getState();
  const trained = runs.filter((r) => r.bestEpoch !== null);
  const run = (runId ? trained.find((r) => r.id === runId) : undefined) ?? trained[0];
  // Every calibration with clinical data has a plain view's, which reads the same model.
  const model = run && runClinicalCalibration(run, 'plain')?.model;
  if (!model || !learnsPatientData(model)) return null;
  return (
    <fieldset className="clinical-fields" data-testid="diagnose-clinical-fields">
      <legend>About the patient and the lesion (optional; kept in this tab only)</legend>
      <label>
        Age{' '}
        <input
          type="number"
          min={0}
          max={120}
          step={1}
          data-testid="diagnose-age"
          value={clinical.age ?? ''}
          onChange={(e) => {
            const age = e.target.value === '' ? null : Number(e.target.value);
            setClinical({ age: age !== null && Number.isFinite(age) && age >= 0 ? age : null });
          }}
        />
      </label>{' '}
      <label>
        Sex{' '}
        <select
          data-testid="diagnose-sex"
          value={clinical.sex ?? ''}
          onChange={(e) => setClinical({ sex: e.target.value || null })}
        >
          <option value="">not given</option>
          <option value="female">female</option>
          <option value="male">male</option>
        </select>
      </label>{' '}
      <label>
        Body site{' '}
        <select
          data-testid="diagnose-site"
          value={clinical.site ?? ''}
          onChange={(e) => setClinical({ site: e.target.value || null })}
        >
          <option value="">not given</option>
          {model.sites.map((site) => (
            <option key={site} value={site}>
              {site}
            </option>
          ))}
        </select>
      </label>
      <p className="muted">
        Learned from the age, sex and site of {model.images.toLocaleString('en')} training images.
        What is not given counts as the average patient&apos;s.
      </p>
    </fieldset>
  );
}

/** Stage 6: one lesion photo in; mask, class probabilities, melanoma score and Grad-CAM out. */
export function DiagnoseStage() {
  const { status, result, error, keepHistory, history, clinical } = useAppStore((s) => s.diagnose);
  const threshold = useAppStore((s) => s.evaluation.threshold);
  const ready = useAppStore((s) => s.runtime.status === 'ready');
  const hasClassifier = useAppStore((s) =>
    s.training.classifier.runs.some((r) => r.bestEpoch !== null),
  );
  const hasSegNet = useAppStore((s) => s.training.segnet.runs.some((r) => r.bestEpoch !== null));
  const { diagnosePhoto, setKeepHistory, clearHistory } = useAppStore.getState();
  const [over, setOver] = useState(false);
  const operating = useOperatingPoint(
    result?.models.classifier.runId,
    threshold,
    result?.clinical ? result.clinicalCalibration?.calibrator : result?.calibration,
  );
  const images = result ? diagnoseImages() : null;
  const running = status === 'running';
  const missing = !hasSegNet
    ? 'Train a SegNet in the Segmentation stage first: a photo needs a predicted lesion mask.'
    : !hasClassifier
      ? 'Train a classifier in the Classifier stage first.'
      : null;

  const take = (files: FileList | null | undefined) => {
    const file = files?.[0];
    if (file) void diagnosePhoto(file);
  };
  const drop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    take(event.dataTransfer.files);
  };

  return (
    <div className="panel">
      <p className="notice-inline" role="note">
        For research only; Lesion Lab is no medical device. The score comes from a model trained
        here, on data chosen here: it is not a diagnosis and must not guide care.
      </p>
      <div
        className={`drop-zone${over ? ' drop-zone-over' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={drop}
      >
        <p className="drop-title">Drop one lesion photo here (JPEG, PNG or WebP)</p>
        <label className="button file-button">
          {running ? 'Working…' : 'Choose a photo…'}
          <input
            type="file"
            accept="image/*"
            data-testid="photo-input"
            disabled={running || !ready || missing !== null}
            onChange={(e) => {
              take(e.target.files);
              e.target.value = '';
            }}
          />
        </label>
        {missing && <p className="muted">{missing}</p>}
      </div>
      <ClinicalFields />
      <div className="train-status" data-testid="diagnose-status" data-state={status}>
        {running && <span>Masking and classifying the photo…</span>}
        {status === 'error' && error && (
          <p className="error-text" role="alert" data-testid="diagnose-error">
            {error}
          </p>
        )}
      </div>
      {result && images && (
        <>
          <PhotoViews images={images} heatPositive={result.heatPositive} />
          {result.lesionFraction === 0 && (
            <p className="notice-inline" role="status">
              The SegNet found no lesion in this photo: the whole photo was classified.
            </p>
          )}
          <div className="diagnose-figures">
            <dl className="probabilities large">
              {CLASSES.map((cls, c) => (
                <div key={cls}>
                  <dt>{CLASS_LABELS[cls]}</dt>
                  <dd>
                    <meter min={0} max={1} value={result.probabilities[c]} />{' '}
                    {((result.probabilities[c] ?? 0) * 100).toFixed(1)}%
                  </dd>
                </div>
              ))}
            </dl>
            <p className="muted" data-testid="diagnose-tta">
              Averaged over 8 flips and rotations,{' '}
              {result.clinical && result.clinicalCalibration
                ? `calibrated with clinical data (${describeCalibration(result.clinicalCalibration.calibrator)})`
                : result.calibrationFrom
                  ? `calibrated (${describeCalibration(result.calibration)}${result.calibrationFrom === 'plain' ? ', fitted on one view: evaluate the run for the views’ own' : ''})`
                  : 'not calibrated (the run has no calibration yet)'}
              ; one view, uncalibrated: melanoma{' '}
              <span
                data-testid="diagnose-plain-melanoma"
                data-value={result.plainProbabilities[MELANOMA]}
              >
                {score(result.plainProbabilities[MELANOMA] ?? 0)}
              </span>
            </p>
            <p
              className="muted"
              data-testid="diagnose-clinical"
              data-used={result.clinical}
              data-patient={result.patient}
              data-measured={result.measured}
            >
              {clinicalSentence(result, clinical)}
            </p>
            {result.measures && (
              <p className="muted" data-testid="diagnose-measures">
                The lesion, as measured on its mask: {measuresText(result.measures)}.
              </p>
            )}
            <p className="melanoma-score">
              Melanoma score{' '}
              <strong data-testid="melanoma-score" data-value={result.melanoma}>
                {score(result.melanoma)}
              </strong>{' '}
              at threshold {threshold.toFixed(3)}:{' '}
              <strong data-testid="diagnose-decision">
                {result.melanoma >= threshold ? 'above: melanoma suspected' : 'below: not melanoma'}
              </strong>
              {operating ? (
                <span className="muted">
                  {' '}
                  (on the validation split at this threshold: sensitivity{' '}
                  {score(operating.sensitivity)}, specificity {score(operating.specificity)})
                </span>
              ) : (
                <span className="muted">
                  {' '}
                  (evaluate this classifier on the validation split to see its sensitivity and
                  specificity here)
                </span>
              )}
            </p>
          </div>
          <p className="muted" data-testid="diagnose-timings">
            {result.name}, {result.width}x{result.height}:{' '}
            {result.timings.map((t) => `${t.step} ${t.ms.toFixed(0)} ms`).join(' · ')}. Models:
            SegNet of {when(result.models.segnet.createdAt)} (epoch {result.models.segnet.epoch + 1}
            ), classifier of {when(result.models.classifier.createdAt)} (epoch{' '}
            {result.models.classifier.epoch + 1}).
          </p>
        </>
      )}
      <label className="history-toggle">
        <input
          type="checkbox"
          checked={keepHistory}
          onChange={(e) => setKeepHistory(e.target.checked)}
        />{' '}
        Keep a list of this session&apos;s photos and scores (in this tab only; it is gone on
        reload)
      </label>
      {keepHistory && history.length > 0 && (
        <table className="runs-table" data-testid="diagnose-history">
          <caption>
            This session&apos;s photos{' '}
            <button type="button" className="button-quiet" onClick={clearHistory}>
              Clear
            </button>
          </caption>
          <thead>
            <tr>
              <th scope="col">Photo</th>
              <th scope="col">Melanoma score</th>
              <th scope="col">Most probable</th>
            </tr>
          </thead>
          <tbody>
            {history.map((h, i) => (
              <tr key={`${h.name}-${i}`}>
                <td>{h.name}</td>
                <td>{score(h.melanoma)}</td>
                <td>
                  {
                    CLASS_LABELS[
                      CLASSES[h.probabilities.indexOf(Math.max(...h.probabilities))] ?? 'nevus'
                    ]
                  }
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
