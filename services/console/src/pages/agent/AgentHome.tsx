import { useEffect, useRef, useState } from 'react';
import { ApiError } from '../../api/client';
import { agentStatuses, type Agent, type AgentStatus, type Assignment, type Case } from '../../api/types';
import { Badge, Empty, LoadMore, Loading, PageHeader, TableWrap } from '../../components/bits';
import { Notice, ProblemAlert } from '../../components/Problem';
import { capitalize, formatTime } from '../../lib/format';
import { usePaged, useResource } from '../../lib/hooks';
import { Link } from '../../lib/router';
import { useHd } from '../../session';

const statusHelp: Record<AgentStatus, string> = {
  online: 'New cases are assigned to you automatically, and you can claim from the queue.',
  away: 'Nothing is assigned to you automatically, but you can still claim cases.',
  offline: 'You get no cases and cannot claim.',
};

/** The agent's desk: their status switch and active assignments. */
export function AgentHomePage({ pollMs = 4000, profileRetryMs = 2000 }: { pollMs?: number; profileRetryMs?: number }) {
  const hd = useHd();
  // Polled too: active cases change as cases are routed to the agent.
  const profile = useResource(() => hd.myAgent(), [], { pollMs: pollMs * 2 });
  const notReady = profile.error instanceof ApiError && profile.error.status === 404;

  // A profile is made from the account's `user.created` event: right after an admin creates the
  // account it may not exist yet. Ask again (soon) until it does.
  const { error: profileError, reload: reloadProfile } = profile;
  useEffect(() => {
    if (!(profileError instanceof ApiError && profileError.status === 404)) return;
    const t = setTimeout(() => void reloadProfile(), profileRetryMs);
    return () => clearTimeout(t);
  }, [profileError, reloadProfile, profileRetryMs]);

  return (
    <>
      <PageHeader title="My desk">
        <Link className="button secondary" href="/queue">
          Open the queue
        </Link>
      </PageHeader>
      {profile.loading ? (
        <Loading what="Loading your agent profile" />
      ) : notReady ? (
        <Notice tone="warning">
          <strong>Your agent profile is not ready yet.</strong> It is being set up from your new account and usually appears within a few
          seconds. This page checks again on its own.
        </Notice>
      ) : profile.data ? (
        <StatusSwitch agent={profile.data} onChange={profile.setData} />
      ) : (
        <ProblemAlert error={profile.error} onRetry={() => void profile.reload()} />
      )}
      {profile.data ? <Assignments pollMs={pollMs} /> : null}
    </>
  );
}

function StatusSwitch({ agent, onChange }: { agent: Agent; onChange: (a: Agent) => void }) {
  const hd = useHd();
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState<AgentStatus | null>(null);

  async function choose(status: AgentStatus) {
    if (status === agent.status) return;
    setPending(status);
    setError(null);
    try {
      onChange(await hd.setMyStatus(status));
    } catch (err) {
      setError(err);
    } finally {
      setPending(null);
    }
  }

  // Shown at once (optimistically) while the change is sent; the answer or an error settles it.
  const shown = pending ?? agent.status;
  return (
    <section className="card" aria-labelledby="status-title">
      <h2 id="status-title">Your status</h2>
      <ProblemAlert error={error} compact />
      <fieldset className="segmented" disabled={pending !== null}>
        <legend className="visually-hidden">Availability</legend>
        {agentStatuses.map((s) => (
          <label key={s} className={`segment segment-${s}${shown === s ? ' checked' : ''}`}>
            <input type="radio" name="agent-status" value={s} checked={shown === s} onChange={() => void choose(s)} />
            {capitalize(s)}
          </label>
        ))}
      </fieldset>
      <p className="muted" aria-live="polite">
        {pending ? `Switching to ${pending}…` : statusHelp[agent.status]}
      </p>
      <dl className="inline-stats">
        <div>
          <dt>Active cases</dt>
          <dd>
            {agent.activeCases} of {agent.capacity}
          </dd>
        </div>
        <div>
          <dt>Account</dt>
          <dd>{agent.active ? 'Active' : 'Inactive'}</dd>
        </div>
        <div>
          <dt>Last assignment</dt>
          <dd>{formatTime(agent.lastAssignedAt)}</dd>
        </div>
      </dl>
      {!agent.active ? (
        <Notice tone="warning">An admin has made your account inactive: you get and claim no cases until it is active again.</Notice>
      ) : null}
    </section>
  );
}

type Row = Assignment & { case?: Case; caseError?: unknown };

function Assignments({ pollMs }: { pollMs: number }) {
  const hd = useHd();
  const [state, setState] = useState<'active' | 'resolved'>('active');
  // Assignments carry the case id only: fetch each case once for its subject and priority
  // (which never change), not on every poll.
  const known = useRef(new Map<string, Case>());
  const list = usePaged<Row>(
    async (cursor) => {
      const page = await hd.assignments({ state, cursor, limit: 20 });
      const items = await Promise.all(
        page.items.map(async (a): Promise<Row> => {
          try {
            let c = known.current.get(a.caseId);
            if (!c) {
              c = await hd.getCase(a.caseId);
              known.current.set(a.caseId, c);
            }
            return { ...a, case: c };
          } catch (caseError) {
            return { ...a, caseError };
          }
        }),
      );
      return { items, nextCursor: page.nextCursor };
    },
    [state],
    { pollMs },
  );

  return (
    <section className="card" aria-labelledby="assignments-title">
      <div className="section-header">
        <h2 id="assignments-title">{state === 'active' ? 'My active assignments' : 'Cases I resolved'}</h2>
        <div className="tabs" role="group" aria-label="Which assignments">
          <button type="button" className={state === 'active' ? 'tab selected' : 'tab'} aria-pressed={state === 'active'} onClick={() => setState('active')}>
            Active
          </button>
          <button
            type="button"
            className={state === 'resolved' ? 'tab selected' : 'tab'}
            aria-pressed={state === 'resolved'}
            onClick={() => setState('resolved')}
          >
            Resolved
          </button>
        </div>
      </div>
      <ProblemAlert error={list.error} onRetry={list.reload} />
      {list.loading ? (
        <Loading what="Loading assignments" />
      ) : list.items.length === 0 ? (
        <Empty>{state === 'active' ? 'No active cases. Go online to receive cases, or claim one from the queue.' : 'Nothing resolved yet.'}</Empty>
      ) : (
        <TableWrap label="Assignments">
          <table>
            <thead>
              <tr>
                <th scope="col">Case</th>
                <th scope="col">Priority</th>
                <th scope="col">How</th>
                <th scope="col">{state === 'active' ? 'Assigned' : 'Resolved'}</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((a) => (
                <tr key={a.caseId}>
                  <td>
                    <Link href={`/cases/${a.caseId}`}>{a.case?.subject ?? `Case ${a.caseId.slice(0, 8)}`}</Link>
                  </td>
                  <td>{a.case ? <Badge kind="priority" value={a.case.priority} /> : '—'}</td>
                  <td>{a.how === 'claim' ? 'Claimed' : 'Auto'}</td>
                  <td>{formatTime(state === 'active' ? a.assignedAt : a.resolvedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {!list.loading ? (
        <LoadMore nextCursor={list.nextCursor} loadingMore={list.loadingMore} onLoadMore={list.loadMore} count={list.items.length} noun="assignments" />
      ) : null}
    </section>
  );
}
