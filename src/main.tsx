import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { registerServiceWorker } from './offline/register.ts';
import { useAppStore } from './store/index.ts';
import './ui/styles.css';

const { bootRuntime, openDataset, loadRuns, loadMasking, loadPretrained } = useAppStore.getState();
void bootRuntime(window.location.search);
void openDataset();
// Runs and masks are read from IndexedDB directly: they show before the worker has a backend.
void loadRuns('segnet');
void loadRuns('classifier');
void loadMasking();
void loadPretrained();
// In a production build: the app opens with no network after the first visit.
registerServiceWorker();

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
