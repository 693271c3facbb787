import { memo, useState, type FormEvent } from 'react';
import type { PlanSpec } from '../api/types';
import { DEFAULT_PLAN } from './format';
import { errorText } from './useAsync';

interface ClassRow {
  name: string;
  mu: number;
  sigma: number;
  weight: number;
}

function rowsOf(plan: PlanSpec): ClassRow[] {
  const classes = plan.asset_classes ?? DEFAULT_PLAN.asset_classes;
  const weights = plan.weights ?? (plan.asset_classes ? classes.map(() => 1 / classes.length) : DEFAULT_PLAN.weights);
  return classes.map((c, i) => ({ ...c, weight: weights[i] ?? 0 }));
}

function correlationOf(plan: PlanSpec, n: number): number[][] {
  const given = plan.correlation ?? (plan.asset_classes ? null : DEFAULT_PLAN.correlation);
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : (given?.[i]?.[j] ?? 0))));
}

/**
 * Every field of the plan and its asset classes, saved with `PUT /planning/plan`. The parent
 * keys it by the stored plan, so a saved or committed plan starts a fresh form.
 */
export const PlanEditor = memo(function PlanEditor({ plan, onSave }: { plan: PlanSpec | null; onSave: (p: PlanSpec) => Promise<void> }) {
  const source = plan ?? (DEFAULT_PLAN as PlanSpec);
  const [fields, setFields] = useState(() => ({ ...source }));
  const [rows, setRows] = useState(() => rowsOf(source));
  const [corr, setCorr] = useState(() => correlationOf(source, rowsOf(source).length));
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const num = (key: keyof PlanSpec) => ({
    value: String(fields[key] ?? ''),
    onChange: (e: { target: { value: string } }) => setFields({ ...fields, [key]: Number(e.target.value) }),
  });

  const setRow = (i: number, patch: Partial<ClassRow>) => setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const addRow = () => {
    setRows([...rows, { name: `class_${rows.length + 1}`, mu: 0.05, sigma: 0.1, weight: 0 }]);
    setCorr([...corr.map((r) => [...r, 0]), [...corr.map(() => 0), 1]]);
  };
  const removeRow = (i: number) => {
    setRows(rows.filter((_, j) => j !== i));
    setCorr(corr.filter((_, j) => j !== i).map((r) => r.filter((_, j) => j !== i)));
  };
  const setCorrCell = (i: number, j: number, v: number) =>
    setCorr(corr.map((r, a) => r.map((c, b) => ((a === i && b === j) || (a === j && b === i) ? v : c))));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setMessage(null);
    const spec: PlanSpec = {
      initial_wealth: Number(fields.initial_wealth),
      monthly_contribution: Number(fields.monthly_contribution ?? 0),
      retirement_month: Number(fields.retirement_month),
      monthly_spending: Number(fields.monthly_spending ?? 0),
      horizon_months: Number(fields.horizon_months),
      annual_inflation: Number(fields.annual_inflation ?? 0.025),
      annual_fee: Number(fields.annual_fee ?? 0.002),
      asset_classes: rows.map((r) => ({ name: r.name, mu: r.mu, sigma: r.sigma })),
      weights: rows.map((r) => r.weight),
      correlation: corr,
      // The model extensions are edited on the plan details page: a save here keeps them.
      ...(source.extensions ? { extensions: source.extensions } : {}),
    };
    try {
      await onSave(spec);
      setMessage({ ok: true, text: 'Plan saved.' });
    } catch (err) {
      setMessage({ ok: false, text: errorText(err) });
    }
  };

  return (
    <section className="card" aria-labelledby="editor-heading">
      <details>
        <summary><h2 id="editor-heading">Edit the plan</h2></summary>
        <form onSubmit={(e) => void submit(e)} className="editor">
          <div className="grid-fields">
            <label>Initial wealth<input type="number" min={0} step="any" required {...num('initial_wealth')} /></label>
            <label>Monthly contribution<input type="number" min={0} step="any" {...num('monthly_contribution')} /></label>
            <label>Retirement month<input type="number" min={0} max={1200} step={1} required {...num('retirement_month')} /></label>
            <label>Monthly spending<input type="number" min={0} step="any" {...num('monthly_spending')} /></label>
            <label>Horizon (months)<input type="number" min={1} max={1200} step={1} required {...num('horizon_months')} /></label>
            <label>Annual inflation<input type="number" min={-0.5} max={1} step="any" {...num('annual_inflation')} /></label>
            <label>Annual fee<input type="number" min={0} max={0.99} step="any" {...num('annual_fee')} /></label>
          </div>
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Asset classes">
            <table className="numbers">
              <caption>Asset classes</caption>
              <thead>
                <tr><th scope="col">Name</th><th scope="col">Expected return</th><th scope="col">Volatility</th><th scope="col">Target weight</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr>
              </thead>
              <tbody>
                {rows.map((r, i) => (
                  <tr key={i}>
                    <td><input aria-label={`Asset class ${i + 1} name`} value={r.name} required onChange={(e) => setRow(i, { name: e.target.value })} /></td>
                    <td><input aria-label={`${r.name} expected return`} type="number" step="any" value={r.mu} onChange={(e) => setRow(i, { mu: Number(e.target.value) })} /></td>
                    <td><input aria-label={`${r.name} volatility`} type="number" step="any" min={0} value={r.sigma} onChange={(e) => setRow(i, { sigma: Number(e.target.value) })} /></td>
                    <td><input aria-label={`${r.name} target weight`} type="number" step="any" min={0} max={1} value={r.weight} onChange={(e) => setRow(i, { weight: Number(e.target.value) })} /></td>
                    <td><button type="button" className="secondary" disabled={rows.length <= 1} onClick={() => removeRow(i)}>Remove {r.name}</button></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {rows.length > 1 && (
            <div className="table-wrap" tabIndex={0} role="region" aria-label="Correlations">
              <table className="numbers">
                <caption>Correlations</caption>
                <thead><tr><th scope="col" />{rows.map((r, j) => <th scope="col" key={j}>{r.name}</th>)}</tr></thead>
                <tbody>
                  {rows.map((r, i) => (
                    <tr key={i}>
                      <th scope="row">{r.name}</th>
                      {rows.map((c, j) => (
                        <td key={j}>
                          {i === j ? '1' : (
                            <input aria-label={`Correlation of ${r.name} and ${c.name}`} type="number" step="any" min={-1} max={1}
                              value={corr[i]?.[j] ?? 0} onChange={(e) => setCorrCell(i, j, Number(e.target.value))} />
                          )}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <div className="actions">
            <button type="button" className="secondary" onClick={addRow} disabled={rows.length >= 32}>Add asset class</button>
            <button type="submit">Save plan</button>
          </div>
          {message && <p className={message.ok ? 'ok' : 'error'} role={message.ok ? 'status' : 'alert'}>{message.text}</p>}
        </form>
      </details>
    </section>
  );
});
