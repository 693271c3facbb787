import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { backoffDelay, type BackoffPolicy } from '../live/backoff';

/**
 * Tries while the browser believes it is online but the server does not answer (no `online`
 * event will come then): every few seconds at first, then once a minute.
 */
const RETRY_BACKOFF: BackoffPolicy = { baseMs: 2_000, capMs: 60_000, jitter: 0.5 };

function subscribeOnline(listener: () => void): () => void {
  window.addEventListener('online', listener);
  window.addEventListener('offline', listener);
  return () => {
    window.removeEventListener('online', listener);
    window.removeEventListener('offline', listener);
  };
}

function useOnline(): boolean {
  return useSyncExternalStore(subscribeOnline, () => navigator.onLine, () => true);
}

/**
 * The dashboard opened but could not reach the server to restore the session (the shell came
 * from the service worker's cache). Says so instead of asking to sign in again, tries again by
 * itself when the browser comes back online (and now and then meanwhile), and on Retry.
 * `retry` settles the question: the app leaves this page when it gets an answer.
 */
export function OfflinePage({ retry }: { retry: () => Promise<void> }) {
  const online = useOnline();
  const [checking, setChecking] = useState(false);
  const [attempts, setAttempts] = useState(0);
  const busy = useRef(false);

  const tryAgain = useCallback(async () => {
    if (busy.current) return;
    busy.current = true;
    setChecking(true);
    try {
      await retry();
    } finally {
      busy.current = false;
      setChecking(false);
      setAttempts((n) => n + 1);
    }
  }, [retry]);

  useEffect(() => {
    const onOnline = () => void tryAgain();
    window.addEventListener('online', onOnline);
    return () => window.removeEventListener('online', onOnline);
  }, [tryAgain]);

  useEffect(() => {
    if (!online || checking) return;
    const timer = setTimeout(() => void tryAgain(), backoffDelay(attempts, Math.random, RETRY_BACKOFF));
    return () => clearTimeout(timer);
  }, [online, checking, attempts, tryAgain]);

  const still = online ? 'Still no answer from Glidepath.' : 'Still offline.';
  const progress = checking ? 'Trying to reconnect…' : attempts > 0 ? still : '';
  return (
    <main id="main" className="offline">
      <section className="card" aria-labelledby="offline-heading">
        <h1 id="offline-heading">{online ? 'Glidepath cannot be reached' : 'You’re offline'}</h1>
        <div role="status" aria-live="polite" data-testid="offline-status">
          <p>
            {online
              ? 'The server does not answer right now. Glidepath will keep trying, and carry on where you were when it answers.'
              : 'Glidepath will reconnect when the network is back, and carry on where you were.'}
          </p>
          {progress && <p className="muted">{progress}</p>}
        </div>
        <div className="actions">
          <button type="button" onClick={() => void tryAgain()}>
            Retry
          </button>
        </div>
      </section>
    </main>
  );
}
