import { useState, type FormEvent } from 'react';
import type { Api } from '../api/api';
import type { HoldingView } from '../api/types';
import type { MovedPrice } from '../live/useLive';
import type { LiveState } from '../live/wire';
import { money, pct, price, quantity } from './format';
import { errorText, useAsync } from './useAsync';

interface Props {
  api: Api;
  state: LiveState | null;
  prices: Map<string, MovedPrice>;
  classes: string[];
}

/** Holdings valued live: prices from the stream's ticks, over the REST valuation. */
export function Holdings({ api, state, prices, classes }: Props) {
  const holdings = useAsync(() => api.holdings(), api);
  const valuation = useAsync(() => api.allocations(), api);
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const restPrice = new Map((valuation.data?.holdings ?? []).map((h) => [h.id, h.price ?? null]));
  const priceOf = (h: HoldingView) => prices.get(h.symbol)?.price ?? restPrice.get(h.id) ?? null;
  const rows = (holdings.data?.items ?? []).map((h) => {
    const p = priceOf(h);
    return { h, price: p, value: p == null ? null : p * h.quantity };
  });
  const total = rows.reduce((a, r) => a + (r.value ?? 0), 0);
  const classOf = new Map((state?.portfolio.classes ?? []).map((c) => [c.asset_class, c]));

  const changed = () => {
    holdings.reload();
    valuation.reload();
  };
  const run = async (action: () => Promise<unknown>) => {
    setError(null);
    try {
      await action();
      changed();
      return true;
    } catch (e) {
      setError(errorText(e));
      return false;
    }
  };

  return (
    <section className="card" aria-labelledby="holdings-heading">
      <h2 id="holdings-heading">Holdings</h2>
      {state && (
        <p className="muted">
          Market value {money(state.portfolio.total_value)}; largest drift from target {pct(state.portfolio.max_abs_drift)}.
          {state.portfolio.unpriced.length > 0 && ` No price yet for ${state.portfolio.unpriced.join(', ')}.`}
        </p>
      )}
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Holdings table">
        <table className="numbers" data-testid="holdings">
          <caption className="visually-hidden">Holdings with live prices</caption>
          <thead>
            <tr>
              <th scope="col">Symbol</th><th scope="col">Account</th><th scope="col">Class</th><th scope="col">Quantity</th>
              <th scope="col">Price</th><th scope="col">Value</th><th scope="col">Weight</th><th scope="col">Class target</th>
              <th scope="col">Class drift</th><th scope="col"><span className="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ h, price: p, value }) =>
              editing === h.id ? (
                <EditRow key={h.id} h={h} classes={classes} onCancel={() => setEditing(null)}
                  onSave={async (patch) => { if (await run(() => api.updateHolding(h.id, patch))) setEditing(null); }} />
              ) : (
                <tr key={h.id}>
                  <th scope="row">{h.symbol}</th>
                  <td>{h.account}</td>
                  <td>{h.asset_class}</td>
                  <td>{quantity(h.quantity)}</td>
                  <td>{price(p)}</td>
                  <td>{money(value)}</td>
                  <td>{value == null || total <= 0 ? '—' : pct(value / total)}</td>
                  <td>{pct(classOf.get(h.asset_class)?.target)}</td>
                  <td>{pct(classOf.get(h.asset_class)?.drift)}</td>
                  <td className="row-actions">
                    <button type="button" className="secondary" onClick={() => setEditing(h.id)}>Edit {h.symbol}</button>
                    <button type="button" className="danger" onClick={() => void run(() => api.deleteHolding(h.id))}>Delete {h.symbol}</button>
                  </td>
                </tr>
              ),
            )}
            {rows.length === 0 && (
              <tr><td colSpan={10}>No holdings yet: add one below (symbols of the market feed, e.g. AAPL).</td></tr>
            )}
          </tbody>
        </table>
      </div>
      <AddHolding classes={classes} onAdd={(h) => run(() => api.addHolding(h))} />
      {(error ?? holdings.error) && <p className="error" role="alert">{error ?? holdings.error}</p>}
    </section>
  );
}

function AddHolding({ classes, onAdd }: { classes: string[]; onAdd: (h: { account: string; symbol: string; quantity: number; asset_class: string }) => Promise<boolean> }) {
  const [symbol, setSymbol] = useState('');
  const [quantity, setQuantity] = useState('');
  const [account, setAccount] = useState('brokerage');
  const [assetClass, setAssetClass] = useState(classes[0] ?? '');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const ok = await onAdd({ account, symbol: symbol.trim().toUpperCase(), quantity: Number(quantity), asset_class: assetClass || (classes[0] ?? '') });
    if (ok) {
      setSymbol('');
      setQuantity('');
    }
  };
  return (
    <form className="inline-form" onSubmit={(e) => void submit(e)} aria-label="Add a holding">
      <label>Symbol<input value={symbol} required maxLength={16} onChange={(e) => setSymbol(e.target.value)} /></label>
      <label>Quantity<input type="number" min={0} step="any" required value={quantity} onChange={(e) => setQuantity(e.target.value)} /></label>
      <label>Account<input value={account} required onChange={(e) => setAccount(e.target.value)} /></label>
      <label>Asset class
        <select value={assetClass || classes[0]} onChange={(e) => setAssetClass(e.target.value)}>
          {classes.map((c) => <option key={c} value={c}>{c}</option>)}
        </select>
      </label>
      <button type="submit">Add holding</button>
    </form>
  );
}

function EditRow({ h, classes, onSave, onCancel }: {
  h: HoldingView; classes: string[];
  onSave: (p: { account: string; symbol: string; quantity: number; asset_class: string }) => Promise<void>; onCancel: () => void;
}) {
  const [symbol, setSymbol] = useState(h.symbol);
  const [account, setAccount] = useState(h.account);
  const [quantity, setQuantity] = useState(String(h.quantity));
  const [assetClass, setAssetClass] = useState(h.asset_class);
  return (
    <tr>
      <th scope="row"><input aria-label="Symbol" value={symbol} onChange={(e) => setSymbol(e.target.value)} /></th>
      <td><input aria-label="Account" value={account} onChange={(e) => setAccount(e.target.value)} /></td>
      <td>
        <select aria-label="Asset class" value={assetClass} onChange={(e) => setAssetClass(e.target.value)}>
          {[...new Set([...classes, h.asset_class])].map((c) => <option key={c} value={c}>{c}</option>)}
        </select>
      </td>
      <td><input aria-label="Quantity" type="number" min={0} step="any" value={quantity} onChange={(e) => setQuantity(e.target.value)} /></td>
      <td colSpan={5} />
      <td className="row-actions">
        <button type="button" onClick={() => void onSave({ symbol: symbol.trim().toUpperCase(), account, quantity: Number(quantity), asset_class: assetClass })}>Save</button>
        <button type="button" className="secondary" onClick={onCancel}>Cancel</button>
      </td>
    </tr>
  );
}
