import { useState, type FormEvent } from 'react';
import { topics } from '../../api/types';
import { SelectField, TextField } from '../../components/Field';
import { Badge, Empty, LoadMore, Loading, PageHeader, TableWrap } from '../../components/bits';
import { Notice, ProblemAlert } from '../../components/Problem';
import { formatTime, localToIso } from '../../lib/format';
import { usePaged } from '../../lib/hooks';
import { useHd } from '../../session';

interface Filters {
  recipient: string;
  status: string;
  channel: string;
  event: string;
  from: string;
  to: string;
}

const none: Filters = { recipient: '', status: '', channel: '', event: '', from: '', to: '' };

/** The notification delivery log, filtered like the API allows. */
export function DeliveriesPage() {
  const hd = useHd();
  const [draft, setDraft] = useState<Filters>(none);
  const [applied, setApplied] = useState<Filters>(none);
  const [rangeError, setRangeError] = useState<string | undefined>();
  const list = usePaged(
    (cursor) =>
      hd.deliveries({
        recipient: applied.recipient.trim(),
        status: applied.status,
        channel: applied.channel,
        event: applied.event,
        from: localToIso(applied.from),
        to: localToIso(applied.to),
        cursor,
        limit: 25,
      }),
    [applied],
  );
  const set = (k: keyof Filters) => (e: { target: { value: string } }) => setDraft({ ...draft, [k]: e.target.value });

  function apply(e: FormEvent) {
    e.preventDefault();
    const from = localToIso(draft.from);
    const to = localToIso(draft.to);
    if (from && to && from > to) {
      setRangeError('“From” must be before “To”.');
      return;
    }
    setRangeError(undefined);
    setApplied({ ...draft });
  }

  return (
    <>
      <PageHeader title="Delivery log">
        <DigestButton />
      </PageHeader>
      <form className="filters filters-wide" onSubmit={apply} aria-label="Filter deliveries">
        <TextField label="Recipient" type="search" placeholder="email or webhook" value={draft.recipient} onChange={set('recipient')} />
        <SelectField
          label="Status"
          value={draft.status}
          onChange={set('status')}
          options={[{ value: '', label: 'Any' }, 'queued', 'sent', 'failed']}
        />
        <SelectField label="Channel" value={draft.channel} onChange={set('channel')} options={[{ value: '', label: 'Any' }, 'email', 'webhook']} />
        <SelectField label="Event" value={draft.event} onChange={set('event')} options={[{ value: '', label: 'Any' }, ...topics, 'digest.daily']} />
        <TextField label="From" type="datetime-local" value={draft.from} onChange={set('from')} error={rangeError} />
        <TextField label="To" type="datetime-local" value={draft.to} onChange={set('to')} />
        <div className="field field-button">
          <div className="row">
            <button type="submit">Apply filters</button>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setDraft(none);
                setApplied(none);
                setRangeError(undefined);
              }}
            >
              Clear
            </button>
          </div>
        </div>
      </form>
      <ProblemAlert error={list.error} onRetry={list.reload} />
      {list.loading ? (
        <Loading what="Loading deliveries" />
      ) : list.items.length === 0 ? (
        <Empty>No delivery matches.</Empty>
      ) : (
        <TableWrap label="Deliveries">
          <table>
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Event</th>
                <th scope="col">Channel</th>
                <th scope="col">Recipient</th>
                <th scope="col">Template</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Sent</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((d) => (
                <tr key={d.id}>
                  <td>{formatTime(d.createdAt)}</td>
                  <td>
                    <code>{d.event}</code>
                  </td>
                  <td>{d.channel}</td>
                  <td className="break">{d.recipient}</td>
                  <td>{d.template ? <code>{d.template}</code> : '—'}</td>
                  <td>
                    <Badge kind="delivery" value={d.status} />
                    {d.lastError ? <div className="field-error small-text">{d.lastError}</div> : null}
                  </td>
                  <td className="num">{d.attempts}</td>
                  <td>{formatTime(d.sentAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {!list.loading ? (
        <LoadMore nextCursor={list.nextCursor} loadingMore={list.loadingMore} onLoadMore={list.loadMore} count={list.items.length} noun="deliveries" />
      ) : null}
    </>
  );
}

function DigestButton() {
  const hd = useHd();
  const [state, setState] = useState<'idle' | 'busy' | 'done'>('idle');
  const [error, setError] = useState<unknown>(null);
  return (
    <div>
      <button
        type="button"
        className="secondary"
        disabled={state === 'busy'}
        onClick={async () => {
          setState('busy');
          setError(null);
          try {
            await hd.sendDigest();
            setState('done');
          } catch (err) {
            setError(err);
            setState('idle');
          }
        }}
      >
        {state === 'busy' ? 'Sending…' : 'Send the daily digest now'}
      </button>
      {state === 'done' ? <Notice tone="success">The digest is on its way to the support inbox.</Notice> : null}
      <ProblemAlert error={error} compact />
    </div>
  );
}
