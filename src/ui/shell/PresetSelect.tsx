import { PRESETS, PRESET_TABLE, type PresetName } from '../../pipeline/presets.ts';
import { useAppStore } from '../../store/index.ts';

/** The training preset for new SegNet and classifier runs (a running run keeps its own). */
export function PresetSelect() {
  const preset = useAppStore((s) => s.preset);
  const setPreset = useAppStore((s) => s.setPreset);
  return (
    <label className="preset">
      Preset{' '}
      <select
        data-testid="preset"
        value={preset}
        onChange={(e) => setPreset(e.target.value as PresetName)}
      >
        {PRESETS.map((p) => (
          <option key={p} value={p}>
            {PRESET_TABLE[p].label}
          </option>
        ))}
      </select>
    </label>
  );
}
