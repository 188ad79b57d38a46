import {
  BACKENDS,
  BACKEND_LABELS,
  type BackendChoice,
  type EngineChoice,
} from '../../pipeline/backends.ts';
import { tensorGrowth } from '../../runs/tensorGrowth.ts';
import { backendLock } from '../../store/backendLock.ts';
import { useAppStore } from '../../store/index.ts';
import { bytes, rate } from '../format.ts';

/**
 * How fast training runs and what it holds: the backend and how it was chosen (timings per
 * backend, the person's override), what trains on WebGPU (the app's engine or tfjs, with a switch)
 * and the dispatches of the last step, the current run's images/s, the worker's tensor memory,
 * and a warning when tensors grow epoch over epoch.
 */
export function PerformancePanel() {
  const runtime = useAppStore((s) => s.runtime);
  const training = useAppStore((s) => s.training);
  const setPreference = useAppStore((s) => s.setBackendPreference);
  const setEngine = useAppStore((s) => s.setEnginePreference);
  const forgetTimings = useAppStore((s) => s.forgetBackendTimings);
  const locked = useAppStore(backendLock);
  const { info, preference, measurement } = runtime;

  const latest = (['segnet', 'classifier'] as const)
    .map((kind) => training[kind])
    .find((t) => t.status === 'running' && t.batch);
  const batch = latest?.batch ?? null;
  const run = latest?.runs.find((r) => r.id === latest.activeRunId);
  const growth = run ? tensorGrowth(run.history) : null;
  const measuring = measurement.state === 'running' ? measurement.progress : null;

  return (
    <details className="perf-panel" data-testid="perf-panel">
      <summary>Performance</summary>
      <dl className="perf-figures">
        <dt>Backend</dt>
        <dd data-testid="perf-backend" data-value={info?.backend ?? ''}>
          {info ? `${BACKEND_LABELS[info.backend]} · ${info.adapter}` : '–'}
        </dd>
        <dt>
          <label htmlFor="backend-preference">Train on</label>
        </dt>
        <dd>
          <select
            id="backend-preference"
            data-testid="backend-preference"
            value={preference}
            disabled={locked !== null}
            title={locked ?? undefined}
            onChange={(e) => void setPreference(e.target.value as BackendChoice)}
          >
            <option value="auto">the fastest, by measurement</option>
            {BACKENDS.map((b) => (
              <option key={b} value={b}>
                {BACKEND_LABELS[b]}
              </option>
            ))}
          </select>
        </dd>
        <dt>
          <label htmlFor="engine-preference">On WebGPU, train with</label>
        </dt>
        <dd>
          <select
            id="engine-preference"
            data-testid="engine-preference"
            value={runtime.engine}
            disabled={latest !== undefined}
            title={latest ? 'Applies from the next run.' : undefined}
            onChange={(e) => setEngine(e.target.value as EngineChoice)}
          >
            <option value="auto">the app&apos;s engine, where it runs the model</option>
            <option value="tfjs">tfjs</option>
          </select>
        </dd>
        <dt>Trained by</dt>
        <dd title={run?.engine}>
          <span data-testid="engine">{run?.engineKind ?? '–'}</span>
          {run?.engineKind === 'fused' && <span className="muted"> (the app&apos;s engine)</span>}
        </dd>
        <dt>Dispatches a step</dt>
        <dd data-testid="perf-dispatches" data-value={batch?.dispatches ?? ''}>
          {batch?.dispatches ?? '–'}
        </dd>
        <dt>This run</dt>
        <dd data-testid="perf-images-per-second" data-value={batch?.imagesPerSecond ?? ''}>
          {batch ? `${rate(batch.imagesPerSecond)} images/s` : 'not training'}
        </dd>
        <dt>Tensors alive</dt>
        <dd data-testid="perf-tensors" data-value={batch?.memory.tensors ?? ''}>
          {batch ? batch.memory.tensors : '–'}
        </dd>
        <dt>Tensor memory</dt>
        <dd
          data-testid="perf-memory"
          data-value={batch?.memory.bytes ?? ''}
          data-engine-bytes={batch?.memory.engineBytes ?? ''}
        >
          {batch
            ? `${bytes(batch.memory.bytes)}${
                batch.memory.gpuBytes !== undefined
                  ? ` (${bytes(batch.memory.gpuBytes)} in GPU buffers)`
                  : ''
              }${
                batch.memory.engineBytes !== undefined
                  ? `, and ${bytes(batch.memory.engineBytes)} in the training engine's buffers`
                  : ''
              }`
            : '–'}
        </dd>
      </dl>
      {growth && (
        <p className="notice" role="status" data-testid="perf-tensor-warning">
          Tensors grew from {growth.from} after epoch {growth.fromEpoch} to {growth.to} after epoch{' '}
          {growth.toEpoch}: memory is leaking, and training will slow down or run out of memory.
        </p>
      )}
      <div
        className="perf-timings"
        data-testid="backend-measurement"
        data-state={measurement.state}
        data-fastest={measurement.result?.fastest ?? ''}
      >
        {measuring && (
          <p>
            Timing one training step on {BACKEND_LABELS[measuring.backend]} ({measuring.done + 1} of{' '}
            {measuring.total})…
          </p>
        )}
        {measurement.error && <p className="error-text">Timing failed: {measurement.error}</p>}
        {measurement.result && (
          <table>
            <caption>
              Timed: {measurement.result.trials.find((t) => t.timing)?.timing?.work ?? 'one step'} ·{' '}
              {measurement.result.preset} preset
            </caption>
            <tbody>
              {measurement.result.trials.map((trial) => (
                <tr
                  key={trial.backend}
                  data-testid={`backend-timing-${trial.backend}`}
                  data-images-per-second={trial.timing?.imagesPerSecond ?? ''}
                >
                  <th scope="row">
                    {BACKEND_LABELS[trial.backend]}
                    {trial.backend === measurement.result?.fastest ? ' (fastest)' : ''}
                  </th>
                  <td>
                    {trial.timing
                      ? `${rate(trial.timing.imagesPerSecond)} images/s (${trial.timing.stepSeconds.toFixed(2)} s a step; first ${trial.timing.firstStepSeconds.toFixed(1)} s)`
                      : trial.reason}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {!measurement.result && !measuring && (
          <p className="muted">
            The first training of a model on this device times one step on each backend and trains
            on the fastest.
          </p>
        )}
        <button
          type="button"
          className="button-quiet"
          data-testid="backend-remeasure"
          disabled={measurement.state === 'running'}
          onClick={() => void forgetTimings()}
        >
          Measure again at the next training
        </button>
      </div>
    </details>
  );
}
