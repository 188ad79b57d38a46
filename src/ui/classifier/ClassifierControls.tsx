import { PRESET_TABLE, type ClassBalance, type ClassifierMode } from '../../pipeline/presets.ts';
import { describeDenseNet } from '../../models/densenetConfig.ts';
import { useAppStore } from '../../store/index.ts';
import { useClassifierRecipe } from './recipe.ts';

const MODES: Record<ClassifierMode, string> = {
  frozen: 'Frozen backbone: features computed once, the head trains on them (fast)',
  'fine-tune': 'Fine-tune every layer',
};

const BALANCES: Record<ClassBalance, string> = {
  oversample: 'Oversample melanoma and keratosis, with augmentation',
  'class-weights': 'Weight the loss by class (balanced)',
  none: 'As they come',
};

/** The preset's classifier recipe, with the mode, balance, batch, epochs and rate editable. */
export function ClassifierControls({ disabled }: { disabled: boolean }) {
  const preset = useAppStore((s) => s.preset);
  const recipe = useClassifierRecipe();
  const setChoices = useAppStore((s) => s.setClassifierChoices);
  const number = (value: string, fallback: number) => {
    const n = Number(value);
    return Number.isFinite(n) && n > 0 ? n : fallback;
  };
  const head =
    recipe.model.head === 'seed' ? 'Flatten → Dense 1024 → Dropout 0.6' : 'global average pooling';
  return (
    <div className="classifier-controls">
      <p className="recipe">
        <strong>{PRESET_TABLE[preset].label}:</strong> {describeDenseNet(recipe.model)}, {head}{' '}
        head; Adam; up to {recipe.epochs} epochs, early stop after {recipe.patience} without a
        higher validation melanoma AUC; augmentation: flips, 90° rotations, crops to{' '}
        {Math.round(recipe.augment.crop * 100)}%, colour ±
        {Math.round(recipe.augment.colorJitter * 100)}%.
      </p>
      <div className="choice-grid">
        <label>
          Training
          <select
            data-testid="classifier-mode"
            value={recipe.mode}
            disabled={disabled}
            onChange={(e) => setChoices({ mode: e.target.value as ClassifierMode })}
          >
            {Object.entries(MODES).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Rare classes
          <select
            data-testid="classifier-balance"
            value={recipe.balance}
            disabled={disabled}
            onChange={(e) => setChoices({ balance: e.target.value as ClassBalance })}
          >
            {Object.entries(BALANCES).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
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
    </div>
  );
}
