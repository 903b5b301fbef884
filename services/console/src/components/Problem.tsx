import type { ReactNode } from 'react';
import { describeError } from '../api/client';

/** An error as the person should read it: the problem's title and detail, and a hint. */
export function ProblemAlert({
  error,
  onRetry,
  compact,
  signingIn,
}: {
  error: unknown;
  onRetry?: () => void;
  compact?: boolean;
  /** On the sign-in form a 401 means wrong credentials, not an expired session. */
  signingIn?: boolean;
}) {
  if (!error) return null;
  const described = describeError(error);
  const { title, detail, status } = described;
  const hint = signingIn && status === 401 ? undefined : described.hint;
  return (
    <div className={`alert alert-error${compact ? ' compact' : ''}`} role="alert">
      <strong className="alert-title">
        {title}
        {status ? <span className="muted"> ({status})</span> : null}
      </strong>
      {detail ? <p className="alert-detail">{detail}</p> : null}
      {hint ? <p className="alert-hint">{hint}</p> : null}
      {onRetry ? (
        <button type="button" className="secondary small" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function Notice({ children, tone = 'info' }: { children: ReactNode; tone?: 'info' | 'success' | 'warning' }) {
  return (
    <div className={`alert alert-${tone}`} role="status">
      {children}
    </div>
  );
}
