import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiClient } from './api/client';
import { App } from './App';
import { ErrorBoundary } from './components/ErrorBoundary';
import { SessionProvider } from './session';
import './styles.css';

const client = new ApiClient();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ErrorBoundary>
      <SessionProvider client={client}>
        <App />
      </SessionProvider>
    </ErrorBoundary>
  </StrictMode>,
);
