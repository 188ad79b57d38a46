import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { useAppStore } from './store/index.ts';
import './ui/styles.css';

const { bootRuntime, openDataset } = useAppStore.getState();
void bootRuntime(window.location.search);
void openDataset();

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
