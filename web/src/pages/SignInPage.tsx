import { useState, type FormEvent } from 'react';
import { ApiProblem } from '../api/problem';
import { navigate } from '../app/router';
import type { AuthSession, DemoRole } from '../auth/session';

export function SignInPage({ auth, onSignedIn }: { auth: AuthSession; onSignedIn: () => Promise<void> }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      await onSignedIn();
      navigate('/app', true);
    } catch (e) {
      setError(describe(e));
    } finally {
      setBusy(false);
    }
  };

  const signIn = (e: FormEvent) => {
    e.preventDefault();
    void run(() => auth.login(email, password));
  };
  const register = () => void run(() => auth.register(email, password));
  const demo = (as: DemoRole) => void run(() => auth.demo(as));

  return (
    <main id="main" className="signin">
      <h1>Glidepath</h1>
      <p className="lede">Your retirement plan, simulated live against the market.</p>
      <form className="card" onSubmit={signIn} aria-describedby={error ? 'signin-error' : undefined}>
        <h2>Sign in</h2>
        <label>
          Email
          <input type="email" name="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label>
          Password
          <input
            type="password"
            name="password"
            autoComplete="current-password"
            required
            minLength={12}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error && (
          <p id="signin-error" className="error" role="alert">
            {error}
          </p>
        )}
        <div className="actions">
          <button type="submit" disabled={busy}>
            Sign in
          </button>
          <button type="button" className="secondary" disabled={busy || !email || password.length < 12} onClick={register}>
            Create account
          </button>
        </div>
        <p className="hint">Passwords have 12 to 128 characters.</p>
      </form>
      <section className="card" aria-labelledby="demo-heading">
        <h2 id="demo-heading">Try the demo</h2>
        <p>No account needed: look around a made-up plan that moves with the market.</p>
        <div className="actions">
          <button type="button" disabled={busy} onClick={() => demo('client')}>
            Demo client
          </button>
          <button type="button" disabled={busy} onClick={() => demo('advisor')}>
            Demo advisor
          </button>
        </div>
      </section>
    </main>
  );
}

function describe(e: unknown): string {
  if (e instanceof ApiProblem) {
    if (e.status === 404 && e.code === 'not_found') return 'The demo is not enabled on this server.';
    const fields = e.errors.map((f) => `${f.field}: ${f.message}`).join('; ');
    // The detail often is the one field's message already: say it once.
    return fields && !e.errors.every((f) => e.message.includes(f.message)) ? `${e.message} (${fields})` : e.message;
  }
  return 'The server could not be reached.';
}
