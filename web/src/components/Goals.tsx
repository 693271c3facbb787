import { memo, useState, type FormEvent } from 'react';
import type { Api } from '../api/api';
import type { GoalStatus, GoalView } from '../api/types';
import { money } from './format';
import { errorText, useAsync } from './useAsync';

const STATUSES: GoalStatus[] = ['active', 'paused', 'completed', 'cancelled'];

interface Draft {
  name: string;
  target_amount: string;
  target_date: string;
  priority: string;
  status: GoalStatus;
}

const empty: Draft = { name: '', target_amount: '', target_date: '', priority: '3', status: 'active' };

export const Goals = memo(function Goals({ api }: { api: Api }) {
  const goals = useAsync(() => api.goals(), api);
  const [editing, setEditing] = useState<GoalView | null>(null);
  const [error, setError] = useState<string | null>(null);

  const save = async (d: Draft) => {
    setError(null);
    const body = { name: d.name, target_amount: Number(d.target_amount), target_date: d.target_date, priority: Number(d.priority), status: d.status };
    try {
      if (editing) await api.updateGoal(editing.id, body);
      else await api.addGoal(body);
      setEditing(null);
      goals.reload();
      return true;
    } catch (e) {
      setError(errorText(e));
      return false;
    }
  };
  const remove = async (g: GoalView) => {
    try {
      await api.deleteGoal(g.id);
      goals.reload();
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <section className="card" aria-labelledby="goals-heading">
      <h2 id="goals-heading">Goals</h2>
      <ul className="list">
        {(goals.data?.items ?? []).map((g) => (
          <li key={g.id}>
            <span><strong>{g.name}</strong>: {money(g.target_amount)} by {g.target_date} (priority {g.priority}, {g.status})</span>
            <span className="row-actions">
              <button type="button" className="secondary" onClick={() => setEditing(g)}>Edit {g.name}</button>
              <button type="button" className="danger" onClick={() => void remove(g)}>Delete {g.name}</button>
            </span>
          </li>
        ))}
        {goals.data && goals.data.items.length === 0 && <li className="muted">No goals yet.</li>}
      </ul>
      <GoalForm key={editing?.id ?? 'new'} initial={editing ? {
        name: editing.name, target_amount: String(editing.target_amount), target_date: editing.target_date,
        priority: String(editing.priority), status: editing.status,
      } : empty} editing={!!editing} onSave={save} onCancel={() => setEditing(null)} />
      {(error ?? goals.error) && <p className="error" role="alert">{error ?? goals.error}</p>}
    </section>
  );
});

function GoalForm({ initial, editing, onSave, onCancel }: { initial: Draft; editing: boolean; onSave: (d: Draft) => Promise<boolean>; onCancel: () => void }) {
  const [d, setD] = useState(initial);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if ((await onSave(d)) && !editing) setD(empty);
  };
  return (
    <form className="inline-form" onSubmit={(e) => void submit(e)} aria-label={editing ? 'Edit the goal' : 'Add a goal'}>
      <label>Goal name<input value={d.name} required maxLength={200} onChange={(e) => setD({ ...d, name: e.target.value })} /></label>
      <label>Target amount<input type="number" min={0} step="any" required value={d.target_amount} onChange={(e) => setD({ ...d, target_amount: e.target.value })} /></label>
      <label>Target date<input type="date" required value={d.target_date} onChange={(e) => setD({ ...d, target_date: e.target.value })} /></label>
      <label>Priority<input type="number" min={1} max={5} step={1} value={d.priority} onChange={(e) => setD({ ...d, priority: e.target.value })} /></label>
      <label>Status
        <select value={d.status} onChange={(e) => setD({ ...d, status: e.target.value as GoalStatus })}>
          {STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
      </label>
      <button type="submit">{editing ? 'Save goal' : 'Add goal'}</button>
      {editing && <button type="button" className="secondary" onClick={onCancel}>Cancel</button>}
    </form>
  );
}
