import { useId, type ReactNode } from 'react';

/** A labelled control with the server's message for its field beside it. */
export function Field({ label, error, children }: {
  label: string;
  error?: string | undefined;
  children: (a11y: { id: string; 'aria-invalid'?: true; 'aria-describedby'?: string }) => ReactNode;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, ...(error ? { 'aria-invalid': true as const, 'aria-describedby': `${id}-error` } : {}) })}
      {error && <p id={`${id}-error`} className="error field-error" role="alert">{error}</p>}
    </div>
  );
}
