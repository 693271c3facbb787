import { useEffect, useState } from 'react';
import { useApp } from '../app/context';
import { Link } from '../app/router';
import { pct } from '../components/format';
import { errorText, useAsync } from '../components/useAsync';
import type { SegmentsResponse } from '../api/types';

type SortKey = 'probability' | 'drift' | 'email';

interface LiveRow {
  probability: number | null;
  drift: number | null;
  ended?: string;
}

/** Every client who granted access, live, worst first. */
export default function AdvisorBook() {
  const { api, stream } = useApp();
  const clients = useAsync(() => api.advisorClients(), api);
  const [live, setLive] = useState<Record<string, LiveRow>>({});
  const [sort, setSort] = useState<SortKey>('probability');
  const [ascending, setAscending] = useState(true);
  const [segments, setSegments] = useState<SegmentsResponse | null>(null);
  const [grouping, setGrouping] = useState<'off' | 'loading' | 'on' | string>('off');

  const group = async (on: boolean) => {
    if (!on) {
      setGrouping('off');
      return;
    }
    setGrouping('loading');
    try {
      setSegments(await api.segments());
      setGrouping('on');
    } catch (e) {
      setGrouping(errorText(e));
    }
  };
  const segmentOf = new Map((grouping === 'on' ? segments?.clients ?? [] : []).map((c) => [c.user_id, c.segment]));
  const grouped = grouping === 'on' && segments !== null;

  const ids = (clients.data ?? []).map((c) => c.user_id).join(',');
  useEffect(() => {
    if (!ids) return;
    const offs = ids.split(',').map((id) =>
      stream.subscribe(id, {
        onFrame: (f) =>
          setLive((l) => ({ ...l, [id]: { probability: f.state.simulation.success_probability, drift: f.state.portfolio.max_abs_drift } })),
        onEnded: (reason) => setLive((l) => ({ ...l, [id]: { probability: null, drift: null, ended: reason } })),
      }),
    );
    return () => offs.forEach((off) => off());
  }, [ids, stream]);

  const rows = (clients.data ?? []).map((c) => ({
    ...c,
    probability: live[c.user_id]?.probability ?? c.success_probability ?? null,
    drift: live[c.user_id]?.drift ?? null,
    ended: live[c.user_id]?.ended,
  }));
  const value = (r: (typeof rows)[number]): number | string => {
    if (sort === 'email') return r.email;
    if (sort === 'drift') return r.drift ?? -1;
    return r.probability ?? 2;
  };
  rows.sort((a, b) => {
    if (grouped) {
      // Clients left out of the clustering (no live plan yet) come last.
      const s = (segmentOf.get(a.user_id) ?? 99) - (segmentOf.get(b.user_id) ?? 99);
      if (s !== 0) return s;
    }
    const x = value(a);
    const y = value(b);
    const c = typeof x === 'string' ? x.localeCompare(String(y)) : x - (y as number);
    return ascending ? c : -c;
  });

  const header = (key: SortKey, label: string, defaultAscending: boolean) => (
    <th scope="col" aria-sort={sort === key ? (ascending ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className="link" onClick={() => {
        if (sort === key) setAscending(!ascending);
        else { setSort(key); setAscending(defaultAscending); }
      }}>
        {label}
      </button>
    </th>
  );

  return (
    <>
      <h1>Advisor book</h1>
      <section className="card">
        {clients.error && <p className="error" role="alert">{clients.error}</p>}
        <label className="check">
          <input type="checkbox" checked={grouping === 'on' || grouping === 'loading'} disabled={grouping === 'loading'}
            onChange={(e) => void group(e.target.checked)} />
          Group by segment
        </label>
        {grouping !== 'off' && grouping !== 'loading' && grouping !== 'on' && <p className="error" role="alert">{grouping}</p>}
        {grouped && (
          <ul className="plain" data-testid="segments" aria-label="Segments">
            {segments.segments.map((s) => (
              <li key={s.id} data-testid="segment">
                <p><strong>{s.label}</strong> ({s.size} client{s.size === 1 ? '' : 's'})</p>
                <p className="muted">{s.description}</p>
              </li>
            ))}
          </ul>
        )}
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Clients">
          <table className="numbers" data-testid="book">
            <caption>Clients who granted you access (sort by a column’s button)</caption>
            <thead>
              <tr>
                {header('email', 'Client', true)}
                {header('probability', 'Success probability', true)}
                {header('drift', 'Largest drift', false)}
                {grouped && <th scope="col">Segment</th>}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.user_id}>
                  <th scope="row"><Link to={`/app/advisor/clients/${r.user_id}`}>{r.email}</Link></th>
                  <td>{r.ended ? `ended: ${r.ended}` : pct(r.probability)}</td>
                  <td>{pct(r.drift)}</td>
                  {grouped && <td>{segmentLabel(segments, segmentOf.get(r.user_id))}</td>}
                </tr>
              ))}
              {clients.data && rows.length === 0 && <tr><td colSpan={grouped ? 4 : 3}>No client has granted you access yet.</td></tr>}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}

function segmentLabel(segments: SegmentsResponse, id: number | undefined): string {
  if (id === undefined) return 'not yet simulated';
  return segments.segments.find((s) => s.id === id)?.label ?? '—';
}
