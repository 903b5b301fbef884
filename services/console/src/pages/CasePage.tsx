import { useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import type { Case, Comment, HistoryItem, User } from '../api/types';
import { Counter, TextArea } from '../components/Field';
import { Badge, Loading } from '../components/bits';
import { Notice, ProblemAlert } from '../components/Problem';
import { capitalize, formatTime, newKey, relativeTime } from '../lib/format';
import { usePaged, useResource } from '../lib/hooks';
import { Link } from '../lib/router';
import { COMMENT_MAX, hasErrors, validateComment } from '../lib/validation';
import { useHd, useUser } from '../session';

/**
 * One case for whoever may see it: details, the assigned agent, comments and the history
 * timeline, polled every few seconds so assignments, resolutions and new comments appear on
 * their own. Agents can claim a waiting case and resolve their own; owners, the assigned agent
 * and admins can comment.
 */
export function CasePage({ id, pollMs = 3000 }: { id: string; pollMs?: number }) {
  const hd = useHd();
  const user = useUser();
  const kase = useResource(() => hd.getCase(id), [id], { pollMs });
  const comments = usePaged((cursor) => hd.comments(id, { cursor, limit: 50 }), [id], { pollMs, followToEnd: true });
  const history = useResource(() => hd.history(id), [id], { pollMs });
  const back = user.role === 'agent' ? '/' : user.role === 'admin' ? '/admin/cases' : '/';

  if (kase.loading) return <Loading what="Loading the case" />;
  if (!kase.data) {
    return (
      <>
        <h1>Case</h1>
        <ProblemAlert error={kase.error} onRetry={() => void kase.reload()} />
        <p>
          <Link href={back}>← Back</Link>
        </p>
      </>
    );
  }
  const c = kase.data;
  const mine = user.role === 'agent' && c.assigneeId === user.id;
  const canComment = user.role === 'customer' || user.role === 'admin' || mine;

  return (
    <article className="case" aria-labelledby="case-title">
      <p>
        <Link href={back}>← Back</Link>
      </p>
      <div className="page-header">
        <h1 id="case-title" tabIndex={-1}>
          {c.subject}
        </h1>
        <div className="page-actions">
          <span aria-live="polite" data-testid="case-status">
            <Badge kind="status" value={c.status} />
          </span>
          <Badge kind="priority" value={c.priority} />
        </div>
      </div>
      {kase.error ? <ProblemAlert error={kase.error} compact /> : null}

      <div className="case-grid">
        <div className="case-main">
          <section className="card" aria-labelledby="desc-title">
            <h2 id="desc-title">Description</h2>
            <p className="prewrap">{c.description}</p>
          </section>

          {c.status === 'resolved' ? (
            <section className="card resolved" aria-labelledby="resolution-title">
              <h2 id="resolution-title">Resolution</h2>
              <p className="prewrap">{c.resolution || 'Resolved without a note.'}</p>
              <p className="muted">Resolved {formatTime(c.resolvedAt)}</p>
            </section>
          ) : null}

          <section className="card" aria-labelledby="comments-title">
            <h2 id="comments-title">Comments</h2>
            <ProblemAlert error={comments.error} compact />
            {comments.loading ? (
              <Loading what="Loading comments" />
            ) : comments.items.length === 0 ? (
              <p className="muted">No comments yet.</p>
            ) : (
              <ol className="comments" aria-live="polite">
                {comments.items.map((m) => (
                  <CommentItem key={m.id} comment={m} user={user} kase={c} />
                ))}
              </ol>
            )}
            {comments.nextCursor ? (
              <button type="button" className="secondary" onClick={() => void comments.loadMore()} disabled={comments.loadingMore}>
                {comments.loadingMore ? 'Loading…' : 'Load more comments'}
              </button>
            ) : null}
            {canComment ? (
              <CommentForm caseId={c.id} onPosted={() => void Promise.all([comments.refresh(), history.reload()])} />
            ) : user.role === 'agent' ? (
              <p className="muted">Claim this case to comment on it.</p>
            ) : null}
          </section>
        </div>

        <aside className="case-side">
          <section className="card" aria-labelledby="details-title">
            <h2 id="details-title">Details</h2>
            <dl className="details">
              <dt>Status</dt>
              <dd>{statusSentence(c)}</dd>
              <dt>Assigned agent</dt>
              <dd data-testid="assignee">
                {c.assigneeId ? <AgentName id={c.assigneeId} /> : <span className="muted">Nobody yet</span>}
                {c.assignedAt && c.assigneeId ? <span className="muted"> · since {formatTime(c.assignedAt)}</span> : null}
              </dd>
              <dt>Opened</dt>
              <dd>{formatTime(c.createdAt)}</dd>
              <dt>Last update</dt>
              <dd>{relativeTime(c.updatedAt)}</dd>
              <dt>Case id</dt>
              <dd>
                <code>{c.id}</code>
              </dd>
            </dl>
          </section>

          {user.role === 'agent' && c.status === 'open' && !c.assigneeId ? <ClaimBox caseId={c.id} onClaimed={() => void kase.reload()} /> : null}
          {mine && c.status === 'assigned' ? (
            <ResolveForm caseId={c.id} onResolved={() => void Promise.all([kase.reload(), history.reload()])} />
          ) : null}

          <section className="card" aria-labelledby="history-title">
            <h2 id="history-title">History</h2>
            <ProblemAlert error={history.error} compact />
            {history.data ? <Timeline items={history.data.items} /> : history.loading ? <Loading what="Loading history" /> : null}
          </section>
        </aside>
      </div>
    </article>
  );
}

function statusSentence(c: Case): string {
  if (c.status === 'resolved') return 'Resolved';
  if (c.status === 'assigned') return 'An agent is working on it';
  return 'Waiting for an agent';
}

/** The agent's name where the API lets this user look it up (admins); "you" for the agent. */
export function AgentName({ id }: { id: string }) {
  const user = useUser();
  if (user.role === 'agent' && user.id === id) return <strong>You</strong>;
  if (user.role === 'admin') return <AdminAgentName id={id} />;
  return <span>A support agent</span>;
}

const agentNames = new Map<string, string>();

function AdminAgentName({ id }: { id: string }) {
  const hd = useHd();
  const agent = useResource(async () => {
    const known = agentNames.get(id);
    if (known) return known;
    const a = await hd.agent(id);
    const label = `${a.name} (${a.email})`;
    agentNames.set(id, label);
    return label;
  }, [id]);
  if (agent.data) return <span>{agent.data}</span>;
  if (agent.error instanceof ApiError && agent.error.status === 404) return <span className="muted">A removed agent</span>;
  return <code title={id}>{id.slice(0, 8)}</code>;
}

function CommentItem({ comment, user, kase }: { comment: Comment; user: User; kase: Case }) {
  const author =
    comment.authorId === user.id
      ? 'You'
      : comment.authorRole === 'agent'
        ? user.role === 'admin'
          ? null
          : comment.authorId === kase.assigneeId
            ? 'Your agent'
            : 'Agent'
        : capitalize(comment.authorRole);
  return (
    <li className={`comment comment-${comment.authorRole}${comment.authorId === user.id ? ' comment-own' : ''}`}>
      <div className="comment-meta">
        <strong>{author ?? <AgentName id={comment.authorId} />}</strong>
        <Badge kind="role" value={comment.authorRole} />
        <time dateTime={comment.createdAt} className="muted">
          {formatTime(comment.createdAt)}
        </time>
      </div>
      <p className="prewrap">{comment.body}</p>
    </li>
  );
}

function CommentForm({ caseId, onPosted }: { caseId: string; onPosted: () => void }) {
  const hd = useHd();
  const [body, setBody] = useState('');
  const [fieldError, setFieldError] = useState<string | undefined>();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const key = useRef<{ body: string; key: string } | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found = validateComment(body);
    setFieldError(found.body);
    if (hasErrors(found)) return;
    if (key.current?.body !== body) key.current = { body, key: newKey() };
    setBusy(true);
    setError(null);
    try {
      await hd.addComment(caseId, body, key.current.key);
      setBody('');
      key.current = null;
      onPosted();
    } catch (err) {
      if (err instanceof ApiError) setFieldError(err.fieldErrors().body);
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="comment-form" onSubmit={submit} noValidate>
      <ProblemAlert error={error} compact />
      <TextArea
        label="Add a comment"
        rows={4}
        value={body}
        onChange={(e) => {
          setBody(e.target.value);
          if (fieldError) setFieldError(validateComment(e.target.value).body);
        }}
        error={fieldError}
        hint={<Counter value={body} max={COMMENT_MAX} />}
      />
      <button type="submit" disabled={busy}>
        {busy ? 'Posting…' : 'Post comment'}
      </button>
    </form>
  );
}

function ClaimBox({ caseId, onClaimed }: { caseId: string; onClaimed: () => void }) {
  const hd = useHd();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function claim() {
    setBusy(true);
    setError(null);
    try {
      await hd.claim(caseId);
      onClaimed();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <section className="card" aria-labelledby="claim-title">
      <h2 id="claim-title">Waiting in the queue</h2>
      <p>You can take this case yourself (when you are online or away and have free capacity).</p>
      <ClaimConflictHelp error={error} />
      <button type="button" onClick={() => void claim()} disabled={busy}>
        {busy ? 'Claiming…' : 'Claim this case'}
      </button>
    </section>
  );
}

export function ClaimConflictHelp({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <>
      <ProblemAlert error={error} compact />
      {error instanceof ApiError && error.status === 409 ? (
        <p className="muted">
          A claim is refused when the case is no longer waiting, or when you are offline, inactive or already at capacity.
        </p>
      ) : null}
    </>
  );
}

function ResolveForm({ caseId, onResolved }: { caseId: string; onResolved: () => void }) {
  const hd = useHd();
  const [resolution, setResolution] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await hd.resolve(caseId, resolution.trim());
      setDone(true);
      onResolved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  if (done) return <Notice tone="success">Resolved. The case shows it in a moment.</Notice>;
  return (
    <section className="card" aria-labelledby="resolve-title">
      <h2 id="resolve-title">Resolve</h2>
      <form onSubmit={submit} noValidate>
        <ProblemAlert error={error} compact />
        <TextArea
          label="Resolution"
          rows={4}
          value={resolution}
          onChange={(e) => setResolution(e.target.value)}
          hint="What fixed it. The customer sees this."
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Resolving…' : 'Resolve case'}
        </button>
      </form>
    </section>
  );
}

function Timeline({ items }: { items: HistoryItem[] }) {
  if (items.length === 0) return <p className="muted">Nothing yet.</p>;
  return (
    <ol className="timeline">
      {items.map((item, i) => (
        <li key={`${item.type}-${item.at}-${i}`} className={`timeline-${item.type.replace('.', '-')}`}>
          <time dateTime={item.at} className="muted">
            {formatTime(item.at)}
          </time>
          <div>
            <HistoryText item={item} />
          </div>
        </li>
      ))}
    </ol>
  );
}

function HistoryText({ item }: { item: HistoryItem }) {
  const d = item.data ?? {};
  const agentId = typeof d.agentId === 'string' ? d.agentId : undefined;
  switch (item.type) {
    case 'case.created':
      return <>Case opened{typeof d.priority === 'string' ? <> with {d.priority} priority</> : null}</>;
    case 'case.assigned':
      return (
        <>
          {d.how === 'claim' ? 'Claimed by ' : 'Assigned to '}
          {agentId ? <AgentName id={agentId} /> : 'an agent'}
        </>
      );
    case 'case.commented':
      return <>{typeof d.authorRole === 'string' ? capitalize(d.authorRole) : 'Someone'} commented</>;
    case 'case.requeued':
      return <>Back in the queue: the agent was removed, the case keeps its place</>;
    case 'case.resolved':
      return (
        <>
          Resolved by {agentId ? <AgentName id={agentId} /> : 'an agent'}
          {typeof d.resolution === 'string' && d.resolution ? <q className="block-quote">{d.resolution}</q> : null}
        </>
      );
    default:
      return <>{item.type}</>;
  }
}
