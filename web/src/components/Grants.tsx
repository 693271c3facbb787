import { memo, useState, type FormEvent } from 'react';
import type { Api } from '../api/api';
import { errorText, useAsync } from './useAsync';

/** Which advisors may watch this plan. */
export const Grants = memo(function Grants({ api }: { api: Api }) {
  const grants = useAsync(() => api.grants(), api);
  const [email, setEmail] = useState('');
  const [error, setError] = useState<string | null>(null);
  const run = async (action: () => Promise<unknown>) => {
    setError(null);
    try {
      await action();
      grants.reload();
      return true;
    } catch (e) {
      setError(errorText(e));
      return false;
    }
  };
  return (
    <section className="card" aria-labelledby="grants-heading">
      <h2 id="grants-heading">Advisors</h2>
      <ul className="list">
        {(grants.data?.items ?? []).map((g) => (
          <li key={g.advisor_id}>
            <span>{g.advisor_email}</span>
            <button type="button" className="danger" onClick={() => void run(() => api.revoke(g.advisor_id))}>Revoke {g.advisor_email}</button>
          </li>
        ))}
        {grants.data && grants.data.items.length === 0 && <li className="muted">No advisor can see your plan.</li>}
      </ul>
      <form className="inline-form" aria-label="Grant an advisor access" onSubmit={(e: FormEvent) => {
        e.preventDefault();
        void run(() => api.grant(email)).then((ok) => ok && setEmail(''));
      }}>
        <label>Advisor email<input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} /></label>
        <button type="submit">Grant access</button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
    </section>
  );
});
