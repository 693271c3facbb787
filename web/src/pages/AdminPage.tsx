import { useCallback, useEffect, useState } from 'react';
import type { Account, Page, Role } from '../api/types';
import { useApp } from '../app/context';
import { errorText, useAsync } from '../components/useAsync';

const ROLES: Role[] = ['user', 'premium', 'advisor', 'admin'];
const PAGE = 20;

export default function AdminPage() {
  return (
    <>
      <h1>Administration</h1>
      <Users />
      <div className="columns">
        <Feeds />
        <Health />
      </div>
    </>
  );
}

function Users() {
  const { api, account: me } = useApp();
  const [offset, setOffset] = useState(0);
  const [query, setQuery] = useState('');
  const [page, setPage] = useState<Page<Account> | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    setError(null);
    try {
      // The server searches (`email` contains, ignoring case) and pages the matches.
      setPage(await api.users(PAGE, offset, query.trim() || undefined));
    } catch (e) {
      setError(errorText(e));
    }
  }, [api, offset, query]);

  useEffect(() => {
    const t = setTimeout(() => void load(), query ? 250 : 0);
    return () => clearTimeout(t);
  }, [load, query]);

  const act = async (action: () => Promise<unknown>) => {
    setError(null);
    try {
      await action();
      await load();
    } catch (e) {
      setError(errorText(e));
    }
  };

  const total = page?.total ?? 0;
  return (
    <section className="card" aria-labelledby="users-heading">
      <h2 id="users-heading">Users</h2>
      <label className="search">Search by email
        <input type="search" value={query} onChange={(e) => { setQuery(e.target.value); setOffset(0); }} />
      </label>
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Users table">
        <table className="numbers" data-testid="users">
          <caption>{`${query.trim() ? 'Matching accounts' : 'Accounts'} ${total === 0 ? 0 : offset + 1}–${Math.min(offset + PAGE, total)} of ${total}`}</caption>
          <thead><tr><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Active</th><th scope="col">Created</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
          <tbody>
            {(page?.items ?? []).map((u) => (
              <tr key={u.id}>
                <th scope="row">{u.email}</th>
                <td>
                  <select aria-label={`Role of ${u.email}`} value={u.role} disabled={u.id === me.id}
                    onChange={(e) => void act(() => api.setRole(u.id, e.target.value as Role))}>
                    {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
                  </select>
                </td>
                <td>{u.is_active ? 'yes' : 'no'}</td>
                <td>{new Date(u.created_at).toLocaleDateString()}</td>
                <td>
                  <button type="button" className={u.is_active ? 'danger' : 'secondary'} disabled={u.id === me.id}
                    onClick={() => void act(() => api.setActive(u.id, !u.is_active))}>
                    {u.is_active ? `Deactivate ${u.email}` : `Activate ${u.email}`}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!query && (
        <div className="actions">
          <button type="button" className="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>Previous page</button>
          <button type="button" className="secondary" disabled={offset + PAGE >= total} onClick={() => setOffset(offset + PAGE)}>Next page</button>
        </div>
      )}
      {error && <p className="error" role="alert">{error}</p>}
    </section>
  );
}

function Feeds() {
  const { api } = useApp();
  const feeds = useAsync(() => api.feeds(), api);
  const f = feeds.data;
  return (
    <section className="card" aria-labelledby="feeds-heading">
      <h2 id="feeds-heading">Market feed</h2>
      {feeds.error && <p className="error" role="alert">{feeds.error}</p>}
      {f && (
        <dl className="facts">
          <dt>Feed</dt><dd>{f.feed}</dd>
          <dt>Description</dt><dd>{f.description}</dd>
          <dt>Accepted ticks</dt><dd>{f.accepted_ticks.toLocaleString('en-US')}</dd>
          <dt>Rejected ticks</dt><dd>{f.rejected_ticks.toLocaleString('en-US')}</dd>
          <dt>Symbols priced</dt><dd>{f.symbols_priced}</dd>
          <dt>Subscribers</dt><dd>{f.subscribers}</dd>
        </dl>
      )}
      <button type="button" className="secondary" onClick={feeds.reload}>Refresh feed status</button>
    </section>
  );
}

function flatten(value: unknown, prefix = ''): [string, string][] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k));
  }
  return [[prefix, Array.isArray(value) ? value.join(', ') : String(value)]];
}

function Health() {
  const { api } = useApp();
  const health = useAsync(() => api.healthDetailed(), api);
  return (
    <section className="card" aria-labelledby="health-heading">
      <h2 id="health-heading">Health</h2>
      {health.error && <p className="error" role="alert">{health.error}</p>}
      {health.data && (
        <dl className="facts" data-testid="health">
          {flatten(health.data).map(([k, v]) => (
            <div key={k}><dt>{k}</dt><dd>{v}</dd></div>
          ))}
        </dl>
      )}
      <button type="button" className="secondary" onClick={health.reload}>Refresh health</button>
    </section>
  );
}
