import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { makeApi } from './api/api';
import type { Account } from './api/types';
import { AppContext, type AppContextValue } from './app/context';
import { Link, match, navigate, Redirect, usePath } from './app/router';
import { AuthSession } from './auth/session';
import { startUp, type Start } from './app/startup';
import { ConnectionIndicator } from './components/ConnectionIndicator';
import { StreamClient } from './live/stream';
import { OfflinePage } from './pages/OfflinePage';
import { PlanPage } from './pages/PlanPage';
import { SignInPage } from './pages/SignInPage';

const AdvisorBook = lazy(() => import('./pages/AdvisorBook'));
const AdvisorClientPage = lazy(() => import('./pages/AdvisorClientPage'));
const AdminPage = lazy(() => import('./pages/AdminPage'));
const PortfolioPage = lazy(() => import('./pages/PortfolioPage'));
const PlanDetailsPage = lazy(() => import('./pages/PlanDetailsPage'));
const RiskPage = lazy(() => import('./pages/RiskPage'));

function wsUrl(): string {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.host}/ws`;
}

type Phase = { kind: 'restoring' } | Start;

export function App() {
  const auth = useMemo(() => new AuthSession(), []);
  const api = useMemo(() => makeApi(auth), [auth]);
  const stream = useMemo(
    () =>
      new StreamClient({
        url: wsUrl(),
        token: async (renew) => {
          if (renew && !(await auth.refresh())) return null;
          return auth.accessToken();
        },
        onSignedOut: () => void auth.logout(),
      }),
    [auth],
  );
  const [phase, setPhase] = useState<Phase>({ kind: 'restoring' });

  const loadAccount = useCallback(async () => {
    const profile = await api.profile();
    setPhase({ kind: 'signed-in', account: profile.account as Account });
  }, [api]);

  // Where to open: the plan, the sign-in page, or the offline state (which asks again).
  const start = useCallback(() => startUp(() => auth.restore(), api.profile), [auth, api]);
  const retry = useCallback(() => start().then(setPhase), [start]);

  useEffect(() => {
    const off = auth.onChange((signedIn) => {
      if (!signedIn) {
        stream.stop();
        setPhase({ kind: 'signed-out' });
      }
    });
    void start().then(setPhase);
    return off;
  }, [auth, stream, start]);

  useEffect(() => {
    if (phase.kind !== 'signed-in') return;
    stream.start();
    return () => stream.stop();
  }, [phase.kind, stream]);

  const path = usePath();

  if (phase.kind === 'restoring') {
    return <main id="main" className="boot" aria-busy="true"><p>Loading…</p></main>;
  }
  if (phase.kind === 'offline') {
    // The path stays: back online, the app opens the page that was asked for.
    return <OfflinePage retry={retry} />;
  }
  if (phase.kind === 'signed-out') {
    if (path !== '/app/signin') return <Redirect to="/app/signin" />;
    return <SignInPage auth={auth} onSignedIn={loadAccount} />;
  }

  const account = phase.account;
  const isAdmin = account.role === 'admin';
  const isAdvisor = account.role === 'advisor' || isAdmin;
  const home = account.role === 'advisor' ? '/app/advisor' : '/app/plan';
  const ctx: AppContextValue = { auth, api, stream, account, reloadAccount: loadAccount };

  let page;
  let clientMatch: Record<string, string> | null = null;
  if (path === '/' || path === '/app' || path === '/app/' || path === '/app/signin') page = <Redirect to={home} />;
  else if (path === '/app/plan') page = <PlanPage />;
  else if (path === '/app/plan/details') page = <PlanDetailsPage />;
  else if (path === '/app/portfolio') page = <PortfolioPage />;
  else if (path === '/app/risk') page = <RiskPage />;
  else if (path === '/app/advisor') page = isAdvisor ? <AdvisorBook /> : <Refused what="The advisor book is for advisors." />;
  else if ((clientMatch = match('/app/advisor/clients/:id', path)))
    page = isAdvisor ? <AdvisorClientPage clientId={clientMatch.id ?? ''} /> : <Refused what="The advisor book is for advisors." />;
  else if (path === '/app/admin') page = isAdmin ? <AdminPage /> : <Refused what="Administration is for administrators." />;
  else page = <NotFound />;

  return (
    <AppContext.Provider value={ctx}>
      <a className="skip" href="#main">Skip to content</a>
      <header className="topbar">
        <span className="brand">Glidepath</span>
        <nav aria-label="Main">
          <Link to="/app/plan">My plan</Link>
          <Link to="/app/plan/details">Plan details</Link>
          <Link to="/app/portfolio">Portfolio</Link>
          <Link to="/app/risk">Risk profile</Link>
          {isAdvisor && <Link to="/app/advisor">Advisor book</Link>}
          {isAdmin && <Link to="/app/admin">Admin</Link>}
        </nav>
        <ConnectionIndicator stream={stream} />
        <span className="who">{account.email}</span>
        <button type="button" className="secondary" onClick={() => void auth.logout().then(() => navigate('/app/signin'))}>
          Sign out
        </button>
      </header>
      {account.demo && (
        <div className="demo-banner" role="note">
          This is a demo: the account and everything in it are made up, and deleted after a while.
        </div>
      )}
      <main id="main">
        <Suspense fallback={<p>Loading…</p>}>{page}</Suspense>
      </main>
    </AppContext.Provider>
  );
}

function Refused({ what }: { what: string }) {
  return (
    <section className="card">
      <h1>Not available</h1>
      <p>{what}</p>
    </section>
  );
}

function NotFound() {
  return (
    <section className="card">
      <h1>Page not found</h1>
      <p>
        <Link to="/app/plan">Go to my plan</Link>
      </p>
    </section>
  );
}
