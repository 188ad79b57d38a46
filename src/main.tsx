import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { useAppStore } from './store/index.ts';
import './ui/styles.css';

const { bootRuntime, openDataset, loadSegNetRuns, loadMasking } = useAppStore.getState();
void bootRuntime(window.location.search);
void openDataset();
// Runs and masks are read from IndexedDB directly: they show before the worker has a backend.
void loadSegNetRuns();
void loadMasking();

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
