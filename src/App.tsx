import { STAGES } from './pipeline/stages.ts';
import { Header } from './ui/shell/Header.tsx';
import { StageSection } from './ui/shell/StageSection.tsx';
import { Stepper } from './ui/shell/Stepper.tsx';

export function App() {
  return (
    <div className="app">
      <Header />
      <div className="layout">
        <Stepper />
        <main className="stages">
          {STAGES.map((stage, index) => (
            <StageSection key={stage.id} stage={stage} number={index + 1} />
          ))}
          <footer className="disclaimer">
            Lesion Lab is a research and education tool, not a medical device. It does not diagnose.
            Every image stays in this browser: the app sends nothing to any server.
          </footer>
        </main>
      </div>
    </div>
  );
}
