import { useEffect, useState } from 'react';
import type { Api } from '../api/api';
import type { Recommendation } from '../api/types';
import type { LiveRecommendations } from '../live/wire';
import { pct, signedPts } from './format';
import { errorText, useAsync } from './useAsync';

/**
 * The advisor's view of a client's open recommendations: each can be sent to the client as
 * a proposal (its change measured again on the client's live paths). A fee change or a
 * goal's trade-off is the client's to accept: a proposal carries what-if changes only.
 */
export function ClientRecommendations({ api, clientId, live }: { api: Api; clientId: string; live: LiveRecommendations | null }) {
  const stored = useAsync(() => api.clientRecommendations(clientId), clientId);
  const { reload } = stored;
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState<Set<string>>(new Set());
  // The client's stream pushed new ones (they replace the open ones).
  useEffect(() => {
    if (live) reload();
  }, [live, reload]);
  const open = (stored.data ?? []).filter((r) => r.status === 'new');
  const propose = async (r: Recommendation) => {
    setError(null);
    try {
      await api.propose(clientId, { message: `Recommended: ${r.cost}. ${r.reason}`, recommendation_id: r.id });
      setSent((s) => new Set(s).add(r.id));
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <section className="card" aria-labelledby="client-recs-heading" data-testid="client-recommendations">
      <h2 id="client-recs-heading">Client&apos;s recommendations</h2>
      {(error ?? stored.error) && <p className="error" role="alert">{error ?? stored.error}</p>}
      {stored.data && open.length === 0 && <p className="muted">The client has no open recommendation.</p>}
      <ul className="plain">
        {open.map((r) => (
          <li key={r.id} data-testid="client-recommendation" data-kind={r.kind}>
            <p><strong>{r.cost}</strong></p>
            <p className="muted">
              Success {pct(r.success_before)} → {pct(r.success_after)} ({signedPts(r.success_change)} ± {(r.standard_error * 100).toFixed(1)})
            </p>
            {r.kind === 'lower_fees' ? (
              <p className="hint">A fee change is the client&apos;s to accept from their recommendations.</p>
            ) : r.kind === 'drop_goal' || r.kind === 'delay_goal' ? (
              <p className="hint">A goal&apos;s trade-off is the client&apos;s to accept from their recommendations.</p>
            ) : sent.has(r.id) ? (
              <p role="status">Sent to the client as a proposal.</p>
            ) : (
              <div className="actions">
                <button type="button" aria-label={`Send as a proposal: ${r.cost}`} onClick={() => void propose(r)}>Send as a proposal</button>
              </div>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
