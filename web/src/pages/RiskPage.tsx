import { useState, type FormEvent } from 'react';
import { ApiProblem } from '../api/problem';
import type { RiskAssessment, RiskBinding, RiskItem } from '../api/types';
import { useApp } from '../app/context';
import { Link } from '../app/router';
import { pct, price } from '../components/format';
import { errorText, useAsync } from '../components/useAsync';

/** What binds, in words. */
const BINDING: Record<RiskBinding, string> = {
  tolerance: 'Your tolerance sets it',
  capacity: "Your plan's capacity sets it",
  need: "Your plan's need sets it",
};

/** Item id → chosen 1-based option. */
type Answers = Record<string, number>;

/** One item as a radio group: the question is the group's name, each option its label. */
function Question({ item, index, value, error, onChange }: {
  item: RiskItem;
  index: number;
  value: number | undefined;
  error: string | undefined;
  onChange: (option: number) => void;
}) {
  const errorId = `${item.id}-error`;
  return (
    <fieldset
      className="question"
      data-item={item.id}
      {...(error ? { 'aria-invalid': true, 'aria-describedby': errorId } : {})}
    >
      <legend>
        {index + 1}. {item.question}
      </legend>
      {item.options.map((o) => (
        <label key={o.option} className="radio">
          <input
            type="radio"
            name={item.id}
            value={o.option}
            checked={value === o.option}
            onChange={() => onChange(o.option)}
          />{' '}
          {o.text}
        </label>
      ))}
      {error && (
        <p id={errorId} className="error field-error" role="alert">
          {error}
        </p>
      )}
    </fieldset>
  );
}

function Profile({ a }: { a: RiskAssessment }) {
  const t = a.answers?.tolerance;
  const c = a.capacity;
  const n = a.need;
  const p = a.profile;
  return (
    <div className="columns">
      <section className="card" aria-labelledby="tolerance-heading" data-testid="risk-tolerance">
        <h2 id="tolerance-heading">Tolerance</h2>
        {t ? (
          <>
            <p className="big" data-testid="tolerance-score">
              {t.score} <span className="se">of {t.min_score}–{t.max_score}</span>
            </p>
            <p className="headline" data-testid="tolerance-band">
              {t.band.replace('_', ' ')}: {pct(t.equity_min, 0)} to {pct(t.equity_max, 0)} in equity
            </p>
            <p>{t.explanation}</p>
          </>
        ) : (
          <p className="muted">Answer the questionnaire below to measure how much risk you are willing to take.</p>
        )}
      </section>
      <section className="card" aria-labelledby="capacity-heading" data-testid="risk-capacity">
        <h2 id="capacity-heading">Capacity</h2>
        {c ? (
          <>
            <p className="big" data-testid="capacity-fall">
              {pct(c.largest_fall_share)}
            </p>
            <p className="headline" data-testid="capacity-amount">
              The largest fall now: {price(c.largest_fall)} of {price(c.wealth)}
            </p>
            <p>{c.explanation}</p>
          </>
        ) : (
          <p className="muted" data-testid="capacity-unavailable">
            {a.capacity_unavailable} <Link to="/app/plan">Go to my plan</Link>
          </p>
        )}
      </section>
      <section className="card" aria-labelledby="need-heading" data-testid="risk-need">
        <h2 id="need-heading">Need</h2>
        {n ? (
          <>
            <p className="big" data-testid="need-return">
              {n.required_return != null ? pct(n.required_return, 2) : 'Out of reach'}
            </p>
            <p className="headline" data-testid="need-share">
              {n.equity_share != null
                ? `At least ${pct(n.equity_share)} in equity`
                : `No equity share reaches ${pct(n.success_threshold, 0)}`}
            </p>
            <p>{n.explanation}</p>
          </>
        ) : (
          <p className="muted">{a.need_unavailable}</p>
        )}
      </section>
      <section className="card" aria-labelledby="profile-heading" data-testid="risk-profile">
        <h2 id="profile-heading">Recommended equity share</h2>
        {p ? (
          <>
            <p className="big" data-testid="recommended-share">
              {pct(p.recommended_equity_share)}
            </p>
            <p className="headline" data-testid="binding">
              {BINDING[p.binding]}
            </p>
            {p.plan_must_change && (
              <p className="notice card" data-testid="plan-must-change">
                The plan must change, not the risk.
              </p>
            )}
            <p>{p.explanation}</p>
          </>
        ) : (
          <p className="muted">Answer the questionnaire or store a plan to see a recommendation.</p>
        )}
      </section>
    </div>
  );
}

/**
 * The risk profile: the Grable & Lytton questionnaire (tolerance), the largest fall the stored
 * plan can bear (capacity), the return it needs (need), and the equity share they recommend.
 */
export default function RiskPage() {
  const { api } = useApp();
  const [threshold, setThreshold] = useState(80);
  const [asked, setAsked] = useState(80);
  const { data, error, reload, setData } = useAsync(
    () => api.riskAssessment({ success_threshold: asked / 100 }),
    asked,
  );
  const [answers, setAnswers] = useState<Answers | null>(null);
  const [refusal, setRefusal] = useState<Record<string, string>>({});
  const [saveError, setSaveError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);

  if (error) return <p className="error" role="alert">The risk assessment could not be loaded: {error}</p>;
  if (!data)
    return (
      <div aria-busy="true">
        <h1>Risk profile</h1>
        <p role="status">Assessing…</p>
      </div>
    );

  const shown: Answers = answers ?? (data.answers?.answers as Answers | undefined) ?? {};
  const items = data.questionnaire.items;
  const unanswered = items.filter((i) => shown[i.id] == null).length;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSaving(true);
    setSaved(false);
    setSaveError(null);
    setRefusal({});
    try {
      const stored = await api.putRiskAnswers({ answers: shown });
      setData({ ...data, answers: stored });
      setAnswers(null);
      setSaved(true);
      reload();
    } catch (err) {
      if (err instanceof ApiProblem && err.status === 422) {
        setRefusal(Object.fromEntries(err.errors.map((f) => [f.field.replace(/^answers\./, ''), f.message])));
      }
      setSaveError(errorText(err));
    } finally {
      setSaving(false);
    }
  };

  return (
    <>
      <h1>Risk profile</h1>
      <p className="muted">
        How much risk you are willing to take (tolerance), how much your plan can bear (capacity) and how much it
        needs (need), on {data.paths.toLocaleString('en-US')} simulated paths of your stored plan.
      </p>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          setAsked(threshold);
        }}
      >
        <div className="field threshold">
          <label htmlFor="risk-threshold">Chance of success to keep (%)</label>
          <input
            id="risk-threshold"
            type="number"
            min={1}
            max={100}
            step={1}
            value={threshold}
            onChange={(e) => setThreshold(Number(e.target.value))}
          />
        </div>
        <button type="submit">Assess</button>
      </form>
      <Profile a={data} />
      <section className="card" aria-labelledby="questionnaire-heading">
        <h2 id="questionnaire-heading">Risk questionnaire</h2>
        <p className="hint">{data.questionnaire.citation}</p>
        <form onSubmit={(e) => void submit(e)} noValidate>
          {items.map((item, i) => (
            <Question
              key={item.id}
              item={item}
              index={i}
              value={shown[item.id]}
              error={refusal[item.id]}
              onChange={(option) => setAnswers({ ...shown, [item.id]: option })}
            />
          ))}
          <div className="actions">
            <button type="submit" disabled={saving}>
              Save my answers
            </button>
            <span className="muted" role="status">
              {saving ? 'Saving…' : saved ? 'Saved.' : unanswered > 0 ? `${unanswered} of ${items.length} left to answer.` : ''}
            </span>
          </div>
          {saveError && (
            <p className="error" role="alert" data-testid="risk-save-error">
              {saveError}
            </p>
          )}
        </form>
      </section>
    </>
  );
}
