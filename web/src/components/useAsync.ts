import { useCallback, useEffect, useState } from 'react';
import { ApiProblem } from '../api/problem';

/**
 * Loads `load()` on mount, when `key` changes and on `reload()`; a 404 counts as "nothing
 * yet" (null). `load` is read when loading, so an inline arrow does not reload every render.
 */
export function useAsync<T>(load: () => Promise<T>, key: unknown) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      (d) => live && (setData(d), setError(null)),
      (e: unknown) => {
        if (!live) return;
        if (e instanceof ApiProblem && e.status === 404) setData(null);
        else setError(errorText(e));
      },
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, reload, setData };
}

export function errorText(e: unknown): string {
  if (e instanceof ApiProblem) {
    const fields = e.errors.map((f) => `${f.field}: ${f.message}`).join('; ');
    // The detail often is the one field's message already: say it once.
    return fields && !e.errors.every((f) => e.message.includes(f.message)) ? `${e.message} (${fields})` : e.message;
  }
  return e instanceof Error ? e.message : String(e);
}
