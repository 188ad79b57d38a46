/**
 * The three boxes that choose which probabilities every figure below uses: test-time augmentation,
 * calibration, and clinical data (probabilityView.ts), with the melanoma AUC with and without
 * TTA, and from the image alone and with clinical data, side by side.
 */
import type { EvalSplit } from '../../evaluation/record.ts';
import { useAppStore } from '../../store/index.ts';
import { score } from '../format.ts';
import type { ProbabilityView } from './probabilityView.ts';

interface ProbabilityControlsProps {
  view: ProbabilityView;
  split: EvalSplit;
  /** Melanoma AUC of the plain and the TTA predictions; null without TTA predictions. */
  aucs: { plain: number | null; tta: number | null } | null;
  /**
   * Melanoma AUC of this view calibrated from the image alone and with clinical data; null
   * where no calibration with them was fitted.
   */
  clinicalAucs: { image: number | null; clinical: number | null } | null;
}

export function ProbabilityControls({ view, split, aucs, clinicalAucs }: ProbabilityControlsProps) {
  const setChoice = useAppStore((s) => s.setProbabilityChoice);
  return (
    <div className="probability-controls">
      <label>
        <input
          type="checkbox"
          data-testid="eval-tta"
          checked={view.tta}
          disabled={!view.canTta}
          onChange={(e) => setChoice({ tta: e.target.checked })}
        />{' '}
        Test-time augmentation: average 8 flips and rotations
      </label>
      <label>
        <input
          type="checkbox"
          data-testid="eval-calibrated"
          checked={view.calibrated}
          disabled={!view.canCalibrate}
          onChange={(e) => setChoice({ calibrated: e.target.checked })}
        />{' '}
        Calibrated (temperature and class biases fitted on validation)
      </label>
      <label>
        <input
          type="checkbox"
          data-testid="eval-clinical"
          checked={view.clinical}
          disabled={!view.canClinical || !view.calibrated}
          onChange={(e) => setChoice({ clinical: e.target.checked })}
        />{' '}
        Use clinical data: age, sex and body site, and the lesion&apos;s measured size, border,
        shape, colours and texture (learned on the train split, weighed on validation)
      </label>
      <p className="muted">
        {view.canTta ? (
          <>
            With test-time augmentation (TTA), each image is predicted 8 times, flipped and turned,
            and the 8 answers are averaged.{' '}
          </>
        ) : (
          <>This evaluation has no flipped and turned predictions: evaluate again to get them. </>
        )}
        {view.canCalibrate ? (
          <>
            Calibration divides the log-probabilities by one number, the temperature T, and adds a
            bias per class, all fitted on the validation split, so that a score of 0.8 is right
            about 8 times in 10. The model learned from classes shown equally often, so it
            overstates the rare ones; the biases restore each class&apos;s real share, and so can
            change which class is most probable.
          </>
        ) : view.tta ? (
          <>No calibration was fitted for the averaged predictions.</>
        ) : (
          <>No calibration was fitted for these predictions: evaluate again to fit one.</>
        )}
        {view.calibrated && split === 'val' && (
          <>
            {' '}
            On this split the calibration was fitted on these same images, so the calibration looks
            better here than it would on new images.
          </>
        )}
      </p>
      <p className="muted" data-testid="clinical-note">
        {view.canClinical ? (
          <>
            Clinical data give each image class probabilities of their own, from a regression (and,
            with 1,000 train images or more, boosted trees) fitted on the train split&apos;s images:
            the patient&apos;s age and sex and the lesion&apos;s body site where the dataset&apos;s
            metadata give them, and the lesion&apos;s size, border, shape, colours and texture as
            the Masking stage measured them on its mask. Calibration adds them to the model&apos;s
            with a weight fitted on validation
            {view.clinical ? '' : ' (not used now)'}. A missing value counts as the average
            patient&apos;s.
          </>
        ) : (
          <>
            This evaluation uses the images alone: it was made before clinical data were used
            (evaluate again), or the train images have neither age, sex and body site (an ISIC
            metadata CSV gives them) nor lesion measures (apply the masks again to measure them).
          </>
        )}
      </p>
      {clinicalAucs && (
        <p className="clinical-aucs">
          Melanoma AUC from the image alone{' '}
          <strong data-testid="auc-melanoma-image" data-value={clinicalAucs.image ?? ''}>
            {score(clinicalAucs.image)}
          </strong>
          , with clinical data{' '}
          <strong data-testid="auc-melanoma-clinical" data-value={clinicalAucs.clinical ?? ''}>
            {score(clinicalAucs.clinical)}
          </strong>{' '}
          ({view.tta ? 'with TTA' : 'one view'}, calibrated).
        </p>
      )}
      {aucs && (
        <p className="tta-aucs">
          Melanoma AUC without TTA{' '}
          <strong data-testid="auc-melanoma-plain" data-value={aucs.plain ?? ''}>
            {score(aucs.plain)}
          </strong>
          , with TTA{' '}
          <strong data-testid="auc-melanoma-tta" data-value={aucs.tta ?? ''}>
            {score(aucs.tta)}
          </strong>
          {view.calibrated
            ? view.clinical
              ? ' (both calibrated with clinical data where fitted)'
              : ' (both calibrated where a calibration was fitted)'
            : ''}
          .
        </p>
      )}
    </div>
  );
}
