import type { ReactNode } from 'react';
import { capitalize } from '../lib/format';

/** A status or priority shown as text on a coloured chip (the word carries the meaning). */
export function Badge({ value, kind }: { value: string; kind: 'status' | 'priority' | 'agent' | 'delivery' | 'role' | 'plain' }) {
  const label = value === 'open' && kind === 'status' ? 'Open' : capitalize(value);
  return <span className={`badge badge-${kind} badge-${kind}-${value}`}>{label}</span>;
}

export function LoadMore({
  nextCursor,
  loadingMore,
  onLoadMore,
  count,
  noun,
}: {
  nextCursor: string | null;
  loadingMore: boolean;
  onLoadMore: () => void;
  count: number;
  noun: string;
}) {
  if (count === 0 && !nextCursor) return null;
  return (
    <div className="load-more">
      <span className="muted" aria-live="polite">
        {count} {count === 1 ? singular(noun) : noun} shown{nextCursor ? '' : count ? ' — that is all' : ''}
      </span>
      {nextCursor ? (
        <button type="button" className="secondary" onClick={onLoadMore} disabled={loadingMore}>
          {loadingMore ? 'Loading…' : 'Load more'}
        </button>
      ) : null}
    </div>
  );
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p className="loading" role="status">
      {what}…
    </p>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="page-header">
      <h1 tabIndex={-1}>{title}</h1>
      {children ? <div className="page-actions">{children}</div> : null}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function TableWrap({ children, label }: { children: ReactNode; label: string }) {
  return (
    <div className="table-wrap" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}

/** "deliveries" → "delivery", "waiting cases" → "waiting case". */
export function singular(noun: string): string {
  if (noun.endsWith('ies')) return `${noun.slice(0, -3)}y`;
  return noun.endsWith('s') ? noun.slice(0, -1) : noun;
}
