import { STAGES } from '../../pipeline/stages.ts';
import { useAppStore } from '../../store/index.ts';

/** The six stages in pipeline order, generated from the one stage list. */
export function Stepper() {
  const activeStage = useAppStore((s) => s.activeStage);
  const setActiveStage = useAppStore((s) => s.setActiveStage);

  return (
    <nav className="stepper" aria-label="Pipeline stages">
      <ol>
        {STAGES.map((stage, index) => (
          <li key={stage.id}>
            <a
              href={`#stage-${stage.id}`}
              className={stage.id === activeStage ? 'step step-active' : 'step'}
              aria-current={stage.id === activeStage ? 'step' : undefined}
              data-testid={`step-${stage.id}`}
              onClick={() => setActiveStage(stage.id)}
            >
              <span className="step-number">{index + 1}</span>
              <span className="step-text">
                <span className="step-title">{stage.title}</span>
                <span className="step-state">{stage.output}</span>
              </span>
            </a>
          </li>
        ))}
      </ol>
    </nav>
  );
}
