import { useState } from 'react';
import type { Api } from '../api/api';
import type { Proposal } from '../api/types';
import type { WhatIfChanges } from '../live/wire';
import { money, pct, signedPts, span } from './format';
import { errorText, useAsync } from './useAsync';

/** The change in words: "Monthly contribution → $5,000; Retirement in → 25 years". */
export function describeChanges(c: WhatIfChanges): string {
  const parts: string[] = [];
  if (c.monthly_contribution != null) parts.push(`Monthly contribution → ${money(c.monthly_contribution)}`);
  if (c.monthly_spending != null) parts.push(`Monthly spending → ${money(c.monthly_spending)}`);
  if (c.retirement_month != null) parts.push(`Retirement in → ${span(c.retirement_month)}`);
  if (c.weights) parts.push(`Weights → ${c.weights.map((w) => pct(w, 0)).join(' / ')}`);
  return parts.join('; ');
}

const STATUS_TEXT: Record<Proposal['status'], string> = {
  pending: 'Waiting for an answer',
  accepted: 'Accepted',
  declined: 'Declined',
};

/** The stored list with the live frames laid over it (a frame is the newer state of its proposal). */
export function merged(stored: Proposal[] | null, live: Proposal[]): Proposal[] {
  const byId = new Map<string, Proposal>();
  for (const p of stored ?? []) byId.set(p.id, p);
  for (const p of [...live].reverse()) byId.set(p.id, p);
  return [...byId.values()].sort((a, b) => b.created_at.localeCompare(a.created_at));
}

interface Props {
  api: Api;
  /** Proposals made or answered on this plan while the page is open (the live stream). */
  live: Proposal[];
  /** The advisor's view of one client (no answers); the client's own view when absent. */
  clientId?: string;
  /** Called after the client accepted one (their plan changed). */
  onAccepted?: () => void;
}

/**
 * Advisors' proposals on a plan: the client answers them here; the advisor follows the
 * answers. Both see each change live.
 */
export function Proposals({ api, live, clientId, onAccepted }: Props) {
  const stored = useAsync(() => (clientId ? api.clientProposals(clientId) : api.proposals()), `${clientId ?? 'self'}`);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const list = merged(stored.data, live);
  const advisorView = clientId !== undefined;
  if (!advisorView && list.length === 0 && !stored.error) return null;

  const answer = async (p: Proposal, verb: 'accept' | 'decline') => {
    setBusy(p.id);
    setError(null);
    try {
      const answered = await api.answerProposal(p.id, verb);
      stored.setData(merged(stored.data, [answered]));
      if (verb === 'accept') onAccepted?.();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="card" aria-labelledby="proposals-heading" data-testid="proposals">
      <h2 id="proposals-heading">{advisorView ? 'Your proposals' : 'Proposals from your advisor'}</h2>
      {stored.error && <p className="error" role="alert">{stored.error}</p>}
      {error && <p className="error" role="alert">{error}</p>}
      {list.length === 0 && <p className="muted">None yet: move the sliders, write a message and propose the change.</p>}
      <ul className="plain" aria-live="polite">
        {list.map((p) => (
          <li key={p.id} data-testid="proposal" data-status={p.status}>
            <p>
              {!advisorView && <strong>{p.advisor_email}: </strong>}
              “{p.message}”
            </p>
            <p>{describeChanges(p.changes)}</p>
            <p>
              Success {pct(p.success_before)} → {pct(p.success_after)} ({signedPts(p.success_after - p.success_before)}, on
              the live simulation when proposed)
            </p>
            <p role="status">{STATUS_TEXT[p.status]}</p>
            {!advisorView && p.status === 'pending' && (
              <div className="actions">
                <button type="button" disabled={busy === p.id} onClick={() => void answer(p, 'accept')}>Accept</button>
                <button type="button" className="secondary" disabled={busy === p.id} onClick={() => void answer(p, 'decline')}>Decline</button>
              </div>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
