import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../../api/client';
import { agentStatuses, type Agent } from '../../api/types';
import { SelectField } from '../../components/Field';
import { Badge, Empty, LoadMore, Loading, PageHeader, TableWrap } from '../../components/bits';
import { Notice, ProblemAlert } from '../../components/Problem';
import { capitalize, formatTime } from '../../lib/format';
import { usePaged } from '../../lib/hooks';
import { Link } from '../../lib/router';
import { checkCapacity } from '../../lib/validation';
import { useHd } from '../../session';

/** Agents with their status, capacity and load; capacity/active editing and deletion. */
export function AgentsPage({ pollMs = 5000 }: { pollMs?: number }) {
  const hd = useHd();
  const [status, setStatus] = useState('');
  const list = usePaged((cursor) => hd.agents({ status, cursor, limit: 20 }), [status], { pollMs });
  const [deleting, setDeleting] = useState<Agent | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  const replace = (a: Agent) => list.setItems((items) => items.map((x) => (x.id === a.id ? a : x)));

  return (
    <>
      <PageHeader title="Agents">
        <Link className="button secondary" href="/admin/users">
          Create an agent account
        </Link>
      </PageHeader>
      <p className="muted">
        New agent accounts appear here a few seconds after they are created. Capacity is how many cases an agent holds at once (1–50).
      </p>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter agents">
        <SelectField
          label="Status"
          value={status}
          onChange={(e) => setStatus(e.target.value)}
          options={[{ value: '', label: 'Any status' }, ...agentStatuses.map((s) => ({ value: s, label: capitalize(s) }))]}
        />
        <div className="field field-button">
          <button type="button" className="secondary" onClick={() => void list.refresh()}>
            Refresh
          </button>
        </div>
      </form>
      {message ? <Notice tone="success">{message}</Notice> : null}
      {deleting ? (
        <DeleteAgent
          agent={deleting}
          onCancel={() => setDeleting(null)}
          onDeleted={(reassigned) => {
            list.setItems((items) => items.filter((x) => x.id !== deleting.id));
            setMessage(
              `${deleting.name} was deleted${reassigned ? ' and their open cases went back to the queue' : ''}. Their account is disabled.`,
            );
            setDeleting(null);
          }}
        />
      ) : null}
      <ProblemAlert error={list.error} onRetry={list.reload} />
      {list.loading ? (
        <Loading what="Loading agents" />
      ) : list.items.length === 0 ? (
        <Empty>{status ? `No agent is ${status}.` : 'No agents yet. Create an agent account under Users.'}</Empty>
      ) : (
        <TableWrap label="Agents">
          <table>
            <thead>
              <tr>
                <th scope="col">Agent</th>
                <th scope="col">Status</th>
                <th scope="col">Active cases</th>
                <th scope="col">Capacity</th>
                <th scope="col">Active</th>
                <th scope="col">Last assignment</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((a) => (
                <AgentRow
                  key={a.id}
                  agent={a}
                  onSaved={replace}
                  onDelete={() => {
                    setMessage(null);
                    setDeleting(a);
                  }}
                />
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {!list.loading ? (
        <LoadMore nextCursor={list.nextCursor} loadingMore={list.loadingMore} onLoadMore={list.loadMore} count={list.items.length} noun="agents" />
      ) : null}
    </>
  );
}

function AgentRow({ agent, onSaved, onDelete }: { agent: Agent; onSaved: (a: Agent) => void; onDelete: () => void }) {
  const hd = useHd();
  const [capacity, setCapacity] = useState(String(agent.capacity));
  const [dirty, setDirty] = useState(false);
  const [fieldError, setFieldError] = useState<string | undefined>();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!dirty) setCapacity(String(agent.capacity));
  }, [agent.capacity, dirty]);

  async function save(body: { capacity?: number; active?: boolean }) {
    setBusy(true);
    setError(null);
    try {
      onSaved(await hd.updateAgent(agent.id, body));
      setDirty(false);
    } catch (err) {
      if (err instanceof ApiError) setFieldError(err.fieldErrors().capacity);
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  function submitCapacity(e: FormEvent) {
    e.preventDefault();
    const problem = checkCapacity(capacity);
    setFieldError(problem);
    if (!problem) void save({ capacity: Number(capacity) });
  }

  const capId = `cap-${agent.id}`;
  return (
    <>
      <tr data-agent-id={agent.id}>
        <th scope="row">
          <span className="strong">{agent.name}</span>
          <br />
          <span className="muted small-text">{agent.email}</span>
        </th>
        <td>
          <Badge kind="agent" value={agent.status} />
        </td>
        <td className="num">{agent.activeCases}</td>
        <td>
          <form className="inline-form" onSubmit={submitCapacity} noValidate>
            <label htmlFor={capId} className="visually-hidden">
              Capacity of {agent.name}
            </label>
            <input
              id={capId}
              className="narrow"
              type="number"
              inputMode="numeric"
              min={1}
              max={50}
              value={capacity}
              aria-invalid={fieldError ? true : undefined}
              aria-describedby={fieldError ? `${capId}-error` : undefined}
              onChange={(e) => {
                setCapacity(e.target.value);
                setDirty(true);
                setFieldError(undefined);
              }}
            />
            <button type="submit" className="small secondary" disabled={busy || !dirty} aria-label={`Save capacity of ${agent.name}`}>
              Save
            </button>
            {fieldError ? (
              <span className="field-error" id={`${capId}-error`}>
                {fieldError}
              </span>
            ) : null}
          </form>
        </td>
        <td>
          <label className="checkbox">
            <input type="checkbox" checked={agent.active} disabled={busy} onChange={(e) => void save({ active: e.target.checked })} />
            <span>{agent.active ? 'Active' : 'Inactive'}</span>
            <span className="visually-hidden"> ({agent.name})</span>
          </label>
        </td>
        <td>{formatTime(agent.lastAssignedAt)}</td>
        <td>
          <button type="button" className="small danger" onClick={onDelete} aria-label={`Delete ${agent.name}`}>
            Delete
          </button>
        </td>
      </tr>
      {error && !fieldError ? (
        <tr>
          <td colSpan={7}>
            <ProblemAlert error={error} compact />
          </td>
        </tr>
      ) : null}
    </>
  );
}

/**
 * Deleting an agent: a plain DELETE first. When the agent still holds open cases the API answers
 * 409; we explain what that means and offer the explicit "Reassign and delete".
 */
function DeleteAgent({ agent, onCancel, onDeleted }: { agent: Agent; onCancel: () => void; onDeleted: (reassigned: boolean) => void }) {
  const hd = useHd();
  const [conflict, setConflict] = useState<ApiError | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [agent.id]);

  async function remove(reassign: boolean) {
    setBusy(true);
    setError(null);
    try {
      await hd.deleteAgent(agent.id, reassign);
      onDeleted(reassign);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && !reassign) setConflict(err);
      else setError(err);
      setBusy(false);
    }
  }

  return (
    <section className="card danger-zone" aria-labelledby="delete-title">
      <h2 id="delete-title" ref={heading} tabIndex={-1}>
        Delete {agent.name}?
      </h2>
      {conflict ? (
        <>
          <div className="alert alert-warning" role="alert">
            <strong className="alert-title">{conflict.title}</strong>
            {conflict.detail ? <p className="alert-detail">{conflict.detail}</p> : null}
            <p>
              {agent.name} still holds open cases, so they were not deleted. <strong>Reassign and delete</strong> puts those cases back
              in the queue — each keeps its original place, ahead of newer cases of the same priority — and routes them to other
              agents; then the agent is removed and their account disabled.
            </p>
          </div>
          <ProblemAlert error={error} compact />
          <div className="row">
            <button type="button" className="danger" onClick={() => void remove(true)} disabled={busy}>
              {busy ? 'Reassigning…' : 'Reassign and delete'}
            </button>
            <button type="button" className="secondary" onClick={onCancel} disabled={busy}>
              Keep the agent
            </button>
          </div>
        </>
      ) : (
        <>
          <p>
            The agent profile is removed and the account of {agent.email} is disabled. {agent.activeCases > 0 ? `They hold ${agent.activeCases} active case(s).` : ''}
          </p>
          <ProblemAlert error={error} compact />
          <div className="row">
            <button type="button" className="danger" onClick={() => void remove(false)} disabled={busy}>
              {busy ? 'Deleting…' : 'Delete agent'}
            </button>
            <button type="button" className="secondary" onClick={onCancel} disabled={busy}>
              Cancel
            </button>
          </div>
        </>
      )}
    </section>
  );
}
