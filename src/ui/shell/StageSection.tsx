import { useEffect, useRef } from 'react';
import type { Stage } from '../../pipeline/stages.ts';
import { useAppStore } from '../../store/index.ts';
import { STAGE_PANELS } from '../stagePanels.tsx';
import { StageErrorBoundary } from './StageErrorBoundary.tsx';

/** One pipeline stage's section of the page: its heading, what it takes and makes, and its panel. */
export function StageSection({ stage, number }: { stage: Stage; number: number }) {
  const ref = useRef<HTMLElement>(null);
  const setActiveStage = useAppStore((s) => s.setActiveStage);
  const Panel = STAGE_PANELS[stage.id];

  // The stepper follows the section in view.
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const observer = new IntersectionObserver(
      ([entry]) => {
        if (entry?.isIntersecting) setActiveStage(stage.id);
      },
      { rootMargin: '-30% 0px -60% 0px' },
    );
    observer.observe(element);
    return () => observer.disconnect();
  }, [setActiveStage, stage.id]);

  return (
    <section
      ref={ref}
      id={`stage-${stage.id}`}
      className="stage"
      aria-labelledby={`stage-${stage.id}-title`}
    >
      <header className="stage-header">
        <span className="stage-number">{number}</span>
        <div>
          <h2 id={`stage-${stage.id}-title`}>{stage.title}</h2>
          <p className="stage-summary">{stage.summary}</p>
        </div>
      </header>
      <dl className="stage-io">
        <dt>In</dt>
        <dd>{stage.input}</dd>
        <dt>Out</dt>
        <dd>{stage.output}</dd>
      </dl>
      <StageErrorBoundary title={stage.title}>
        <Panel />
      </StageErrorBoundary>
    </section>
  );
}
