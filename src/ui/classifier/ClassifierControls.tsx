import { PRESET_TABLE, type ClassBalance, type ClassifierMode } from '../../pipeline/presets.ts';
import { describeDenseNet } from '../../models/densenetConfig.ts';
import { useAppStore } from '../../store/index.ts';
import { useClassifierRecipe } from './recipe.ts';
import { describeSchedule } from '../format.ts';

const MODES: Record<ClassifierMode, string> = {
  frozen: 'Frozen backbone: features computed once, the head trains on them (fast)',
  'fine-tune': 'Fine-tune every layer',
};

const BALANCES: Record<ClassBalance, string> = {
  oversample: 'Oversample melanoma and keratosis, with augmentation',
  'class-weights': 'Weight the loss by class (balanced)',
  none: 'As they come',
};

interface ChoiceSelectProps<T extends string> {
  label: string;
  testId: string;
  /** Each choice's value and its words. */
  options: Record<T, string>;
  value: T;
  disabled: boolean;
  onChange: (value: T) => void;
}

function ChoiceSelect<T extends string>(props: ChoiceSelectProps<T>) {
  const { label, testId, options, value, disabled, onChange } = props;
  return (
    <label>
      {label}
      <select
        data-testid={testId}
        value={value}
        disabled={disabled}
        onChange={(e) => onChange(e.target.value as T)}
      >
        {Object.entries<string>(options).map(([choice, words]) => (
          <option key={choice} value={choice}>
            {words}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The preset's classifier recipe, with the mode, balance, batch, epochs and rate editable. */
export function ClassifierControls({ disabled }: { disabled: boolean }) {
  const preset = useAppStore((s) => s.preset);
  const recipe = useClassifierRecipe();
  const setChoices = useAppStore((s) => s.setClassifierChoices);
  const others = useAppStore(
    (s) => s.dataset.summary?.rows.filter((r) => r.split === 'train' && r.other).length ?? 0,
  );
  const number = (value: string, fallback: number) => {
    const n = Number(value);
    return Number.isFinite(n) && n > 0 ? n : fallback;
  };
  const schedule = describeSchedule(recipe.schedule, recipe.weightDecay);
  const head =
    recipe.model.head === 'seed' ? 'Flatten → Dense 1024 → Dropout 0.6' : 'global average pooling';
  return (
    <div className="classifier-controls">
      <p className="recipe">
        <strong>{PRESET_TABLE[preset].label}:</strong> {describeDenseNet(recipe.model)}, {head}{' '}
        head; Adam{schedule ? ` (${schedule})` : ''}; up to {recipe.epochs} epochs, early stop after{' '}
        {recipe.patience} without a higher validation melanoma AUC; augmentation: flips,{' '}
        {recipe.augment.rotate ? 'rotations by any angle' : '90° rotations'}, crops to{' '}
        {Math.round(recipe.augment.crop * 100)}%, colour ±
        {Math.round(recipe.augment.colorJitter * 100)}%
        {recipe.model.colorConstancy ? '; colour constancy on every image' : ''}.
      </p>
      <div className="choice-grid">
        <ChoiceSelect
          label="Training"
          testId="classifier-mode"
          options={MODES}
          value={recipe.mode}
          disabled={disabled}
          onChange={(mode) => setChoices({ mode })}
        />
        <ChoiceSelect
          label="Rare classes"
          testId="classifier-balance"
          options={BALANCES}
          value={recipe.balance}
          disabled={disabled}
          onChange={(balance) => setChoices({ balance })}
        />
        <label>
          Batch
          <input
            type="number"
            min={1}
            step={1}
            data-testid="classifier-batch"
            value={recipe.batchSize}
            disabled={disabled}
            onChange={(e) =>
              setChoices({ batchSize: Math.round(number(e.target.value, recipe.batchSize)) })
            }
          />
        </label>
        <label>
          Epochs
          <input
            type="number"
            min={1}
            step={1}
            data-testid="classifier-epochs"
            value={recipe.epochs}
            disabled={disabled}
            onChange={(e) =>
              setChoices({ epochs: Math.round(number(e.target.value, recipe.epochs)) })
            }
          />
        </label>
        <label>
          Learning rate
          <input
            type="number"
            min={0}
            step="any"
            data-testid="classifier-lr"
            value={recipe.learningRate}
            disabled={disabled}
            onChange={(e) =>
              setChoices({ learningRate: number(e.target.value, recipe.learningRate) })
            }
          />
        </label>
      </div>
      {others > 0 && (
        <label
          className="check"
          title="Basal cell carcinoma, actinic keratosis, dermatofibroma and the like, as a fourth output. Only the three classes are scored: their probabilities are the first three outputs renormalised."
        >
          <input
            type="checkbox"
            data-testid="classifier-other-class"
            checked={recipe.otherClass === true}
            disabled={disabled}
            onChange={(e) => setChoices({ otherClass: e.target.checked })}
          />{' '}
          Learn an &ldquo;other&rdquo; class from the {others} training images of other diagnoses
        </label>
      )}
    </div>
  );
}
