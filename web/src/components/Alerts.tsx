import { useState, type FormEvent } from 'react';
import type { Api } from '../api/api';
import type { AlertKind, AlertRuleView } from '../api/types';
import type { LiveAlert } from '../live/wire';
import { pct, price } from './format';
import { errorText, useAsync } from './useAsync';

const KIND_TEXT: Record<AlertKind, string> = {
  success_below: 'Success probability below',
  drift_above: 'Drift above',
  price_cross: 'Price crosses',
};

function describeRule(r: AlertRuleView): string {
  if (r.kind === 'price_cross') return `${r.symbol ?? '?'} price goes ${r.direction ?? 'above'} ${price(r.level)}`;
  return `${KIND_TEXT[r.kind]} ${pct(r.level)}`;
}

/** Alert rules (REST) and the alerts they fired: the stored ones, then live ones as they come. */
export function Alerts({ api, live }: { api: Api; live: LiveAlert[] }) {
  const rules = useAsync(() => api.rules(), api);
  const stored = useAsync(() => api.alerts(), api);
  const [kind, setKind] = useState<AlertKind>('success_below');
  const [level, setLevel] = useState('');
  const [symbol, setSymbol] = useState('');
  const [direction, setDirection] = useState<'above' | 'below'>('above');
  const [error, setError] = useState<string | null>(null);

  const add = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const n = Number(level);
    try {
      await api.addRule(
        kind === 'price_cross'
          ? { kind, level: n, symbol: symbol.trim().toUpperCase(), direction }
          : { kind, level: n / 100 },
      );
      setLevel('');
      rules.reload();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const remove = async (id: string) => {
    try {
      await api.deleteRule(id);
      rules.reload();
    } catch (err) {
      setError(errorText(err));
    }
  };

  const seen = new Set(live.map((a) => a.id));
  const fired = [
    ...live.map((a) => ({ id: a.id, message: a.message, at: new Date(a.at_ms) })),
    ...(stored.data?.items ?? []).filter((a) => !seen.has(a.id)).map((a) => ({ id: a.id, message: a.message, at: new Date(a.created_at) })),
  ].slice(0, 20);

  return (
    <section className="card" aria-labelledby="alerts-heading">
      <h2 id="alerts-heading">Alerts</h2>
      <h3>Rules</h3>
      <ul className="list">
        {(rules.data?.items ?? []).map((r) => (
          <li key={r.id}>
            <span>{describeRule(r)}</span>
            <button type="button" className="danger" onClick={() => void remove(r.id)}>Delete rule: {describeRule(r)}</button>
          </li>
        ))}
        {rules.data && rules.data.items.length === 0 && <li className="muted">No rules yet.</li>}
      </ul>
      <form className="inline-form" onSubmit={(e) => void add(e)} aria-label="Add an alert rule">
        <label>Alert when
          <select value={kind} onChange={(e) => setKind(e.target.value as AlertKind)}>
            {(Object.keys(KIND_TEXT) as AlertKind[]).map((k) => <option key={k} value={k}>{KIND_TEXT[k]}</option>)}
          </select>
        </label>
        {kind === 'price_cross' && (
          <>
            <label>Rule symbol<input value={symbol} required onChange={(e) => setSymbol(e.target.value)} /></label>
            <label>Direction
              <select value={direction} onChange={(e) => setDirection(e.target.value as 'above' | 'below')}>
                <option value="above">above</option>
                <option value="below">below</option>
              </select>
            </label>
          </>
        )}
        <label>{kind === 'price_cross' ? 'Price' : 'Level (%)'}
          <input type="number" step="any" required value={level} onChange={(e) => setLevel(e.target.value)} />
        </label>
        <button type="submit">Add rule</button>
      </form>
      <h3>Fired</h3>
      <div role="log" aria-label="Fired alerts" data-testid="fired-alerts">
      <ul className="list">
        {fired.map((a) => (
          <li key={a.id}><time dateTime={a.at.toISOString()}>{a.at.toLocaleTimeString()}</time> {a.message}</li>
        ))}
        {fired.length === 0 && <li className="muted">Nothing has fired.</li>}
      </ul>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
    </section>
  );
}
