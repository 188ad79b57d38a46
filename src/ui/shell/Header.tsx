import { BACKENDS, BACKEND_LABELS } from '../../pipeline/backends.ts';
import { useAppStore } from '../../store/index.ts';
import { PerformancePanel } from './PerformancePanel.tsx';
import { PresetSelect } from './PresetSelect.tsx';

/** Title, the active tfjs backend and GPU adapter, and anything wrong with them. */
export function Header() {
  const runtime = useAppStore((s) => s.runtime);
  const checkBackend = useAppStore((s) => s.checkBackend);
  const { info, status, check } = runtime;
  const rejected = info?.attempts.filter((a) => !a.ok) ?? [];

  return (
    <header className="header">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true" />
        <h1>Lesion Lab</h1>
        <span className="brand-tag">melanoma models, trained in your browser</span>
      </div>
      <div className="runtime" aria-live="polite">
        <PresetSelect />
        <span className={`badge badge-${status}`} data-testid="backend" data-state={status}>
          {info?.backend ?? (status === 'starting' ? 'starting…' : 'none')}
        </span>
        {info && (
          <span className="adapter" data-testid="adapter" title={`tfjs ${info.tfjsVersion}`}>
            {BACKEND_LABELS[info.backend]}
            {info.forced
              ? ' (forced)'
              : runtime.measurement.result?.fastest === info.backend
                ? ' (fastest measured)'
                : ''}{' '}
            · {info.adapter}
          </span>
        )}
        <button
          type="button"
          className="button-quiet"
          data-testid="backend-check"
          disabled={status !== 'ready' || check.state === 'running'}
          onClick={() => void checkBackend()}
        >
          {check.state === 'running' ? 'Checking…' : 'Check backend'}
        </button>
        {check.result && (
          <span
            className="check"
            data-testid="backend-check-result"
            data-state={check.state}
            data-backend={check.result.backend}
            data-max-error={check.result.maxAbsError}
          >
            {check.result.op} on {check.result.backend}: {check.result.ms.toFixed(1)} ms, max error{' '}
            {check.result.maxAbsError.toExponential(1)}
          </span>
        )}
      </div>
      {rejected.length > 0 && (
        <p className="notice" role="status" data-testid="backend-fallback">
          {rejected.map((a) => `${BACKEND_LABELS[a.backend]} unavailable: ${a.reason}.`).join(' ')}{' '}
          Using {info && BACKEND_LABELS[info.backend]}
          {info?.backend === 'cpu' ? ', which trains far slower than a GPU.' : '.'}
        </p>
      )}
      <PerformancePanel />
      {(runtime.error || check.error) && (
        <div className="error-banner" role="alert" data-testid="runtime-error">
          <strong>Compute problem:</strong> {runtime.error ?? check.error}
          {status === 'error' && (
            <span className="error-actions">
              {' '}
              Try another backend:{' '}
              {BACKENDS.map((b) => (
                <a key={b} href={`?backend=${b}`}>
                  {BACKEND_LABELS[b]}
                </a>
              ))}
            </span>
          )}
        </div>
      )}
    </header>
  );
}
