import { useId, type ReactNode } from 'react';

/**
 * A labelled control with the server's message for its field beside it, and an optional hint
 * (what the typed value stands for) that describes it too.
 */
export function Field({ label, error, hint, className, children }: {
  label: string;
  className?: string;
  error?: string | undefined;
  hint?: ReactNode;
  children: (a11y: { id: string; 'aria-invalid'?: true; 'aria-describedby'?: string }) => ReactNode;
}) {
  const id = useId();
  const described = [hint != null && hint !== '' ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div className={className ? `field ${className}` : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children({ id, ...(error ? { 'aria-invalid': true as const } : {}), ...(described ? { 'aria-describedby': described } : {}) })}
      {hint != null && hint !== '' && <p id={`${id}-hint`} className="hint field-hint">{hint}</p>}
      {error && <p id={`${id}-error`} className="error field-error" role="alert">{error}</p>}
    </div>
  );
}
