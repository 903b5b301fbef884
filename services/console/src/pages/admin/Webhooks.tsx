import { useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../../api/client';
import { topics, type CreatedWebhook, type Webhook } from '../../api/types';
import { TextField } from '../../components/Field';
import { Badge, Empty, LoadMore, Loading, PageHeader, TableWrap } from '../../components/bits';
import { Notice, ProblemAlert } from '../../components/Problem';
import { formatTime, newKey } from '../../lib/format';
import { usePaged } from '../../lib/hooks';
import { Link } from '../../lib/router';
import { checkWebhookUrl } from '../../lib/validation';
import { useHd } from '../../session';

export function WebhooksPage() {
  const hd = useHd();
  const list = usePaged((cursor) => hd.webhooks({ cursor, limit: 20 }), []);
  const [created, setCreated] = useState<CreatedWebhook | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function remove(w: Webhook) {
    setError(null);
    try {
      await hd.deleteWebhook(w.id);
      list.setItems((items) => items.filter((x) => x.id !== w.id));
      setConfirming(null);
    } catch (err) {
      setError(err);
    }
  }

  return (
    <>
      <PageHeader title="Webhooks" />
      {created ? <SecretOnce webhook={created} onDone={() => setCreated(null)} /> : null}
      <CreateWebhook
        onCreated={(w) => {
          setCreated(w);
          list.reload();
        }}
      />
      <section className="card" aria-labelledby="webhooks-title">
        <h2 id="webhooks-title">Registered webhooks</h2>
        <ProblemAlert error={error} compact />
        <ProblemAlert error={list.error} onRetry={list.reload} />
        {list.loading ? (
          <Loading what="Loading webhooks" />
        ) : list.items.length === 0 ? (
          <Empty>No webhooks yet.</Empty>
        ) : (
          <TableWrap label="Webhooks">
            <table>
              <thead>
                <tr>
                  <th scope="col">URL</th>
                  <th scope="col">Events</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.items.map((w) => (
                  <tr key={w.id}>
                    <td className="break">
                      <code>{w.url}</code>
                      {w.createdAt ? <div className="muted small-text">Created {formatTime(w.createdAt)}</div> : null}
                    </td>
                    <td>
                      <ul className="tags">
                        {w.events.map((e) => (
                          <li key={e}>
                            <code>{e}</code>
                          </li>
                        ))}
                      </ul>
                    </td>
                    <td className="actions">
                      <Link className="button small secondary" href={`/admin/webhooks/${w.id}`}>
                        Deliveries
                      </Link>
                      {confirming === w.id ? (
                        <span className="row">
                          <button type="button" className="small danger" onClick={() => void remove(w)}>
                            Yes, delete
                          </button>
                          <button type="button" className="small secondary" onClick={() => setConfirming(null)}>
                            Cancel
                          </button>
                        </span>
                      ) : (
                        <button type="button" className="small danger" onClick={() => setConfirming(w.id)} aria-label={`Delete webhook ${w.url}`}>
                          Delete
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
        {!list.loading ? (
          <LoadMore nextCursor={list.nextCursor} loadingMore={list.loadingMore} onLoadMore={list.loadMore} count={list.items.length} noun="webhooks" />
        ) : null}
      </section>
    </>
  );
}

/** The signing secret is only ever returned by the create call: show it once, clearly. */
function SecretOnce({ webhook, onDone }: { webhook: CreatedWebhook; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <section className="card secret" aria-labelledby="secret-title" role="alert">
      <h2 id="secret-title">Webhook created — copy its secret now</h2>
      <p>
        This is the only time the signing secret of <code>{webhook.url}</code> is shown. Receivers use it to check the{' '}
        <code>webhook-signature</code> header.
      </p>
      <p className="secret-value">
        <code data-testid="webhook-secret">{webhook.secret}</code>
      </p>
      <div className="row">
        <button
          type="button"
          className="secondary"
          onClick={async () => {
            try {
              await navigator.clipboard.writeText(webhook.secret);
              setCopied(true);
            } catch {
              setCopied(false);
            }
          }}
        >
          {copied ? 'Copied' : 'Copy secret'}
        </button>
        <button type="button" onClick={onDone}>
          I have stored it
        </button>
      </div>
    </section>
  );
}

function CreateWebhook({ onCreated }: { onCreated: (w: CreatedWebhook) => void }) {
  const hd = useHd();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['case.created', 'case.assigned', 'case.resolved']);
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const key = useRef<{ body: string; key: string } | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found = { url: checkWebhookUrl(url), events: events.length ? undefined : 'Choose at least one event.' };
    setErrors(found);
    if (found.url || found.events) return;
    const body = { url: url.trim(), events };
    const serialized = JSON.stringify(body);
    if (key.current?.body !== serialized) key.current = { body: serialized, key: newKey() };
    setBusy(true);
    setError(null);
    try {
      onCreated(await hd.createWebhook(body, key.current.key));
      setUrl('');
      key.current = null;
    } catch (err) {
      if (err instanceof ApiError) setErrors(err.fieldErrors());
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="new-webhook-title">
      <h2 id="new-webhook-title">Add a webhook</h2>
      <ProblemAlert error={error} compact />
      <form onSubmit={submit} noValidate>
        <TextField
          label="URL"
          type="url"
          placeholder="https://example.com/hooks/helmdesk"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          error={errors.url}
          hint="Addresses that resolve to loopback or private networks are refused unless the platform allows them; link-local and cloud metadata addresses always are."
        />
        <fieldset className={`checkboxes${errors.events ? ' has-error' : ''}`} aria-describedby={errors.events ? 'events-error' : undefined}>
          <legend>Events</legend>
          {topics.map((t) => (
            <label key={t} className="checkbox">
              <input
                type="checkbox"
                checked={events.includes(t)}
                onChange={(e) => setEvents(e.target.checked ? [...events, t] : events.filter((x) => x !== t))}
              />
              <code>{t}</code>
            </label>
          ))}
          {errors.events ? (
            <span className="field-error" id="events-error">
              {errors.events}
            </span>
          ) : null}
        </fieldset>
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create webhook'}
        </button>
      </form>
    </section>
  );
}

export function WebhookDeliveriesPage({ id }: { id: string }) {
  const hd = useHd();
  const list = usePaged((cursor) => hd.webhookDeliveries(id, { cursor, limit: 25 }), [id], { pollMs: 10000 });
  return (
    <>
      <PageHeader title="Webhook deliveries" />
      <p>
        <Link href="/admin/webhooks">← Webhooks</Link> · <code>{id}</code>
      </p>
      <ProblemAlert error={list.error} onRetry={list.reload} />
      {list.loading ? (
        <Loading what="Loading deliveries" />
      ) : list.items.length === 0 ? (
        <Empty>Nothing delivered to this webhook yet.</Empty>
      ) : (
        <TableWrap label="Webhook deliveries">
          <table>
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Response</th>
                <th scope="col">Delivered</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((d) => (
                <tr key={d.id}>
                  <td>{formatTime(d.createdAt)}</td>
                  <td>
                    <code>{d.event}</code>
                  </td>
                  <td>
                    <Badge kind="delivery" value={d.status} />
                    {d.lastError ? <div className="field-error small-text">{d.lastError}</div> : null}
                  </td>
                  <td className="num">{d.attempts}</td>
                  <td className="num">{d.responseStatus ?? '—'}</td>
                  <td>{formatTime(d.deliveredAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {!list.loading ? (
        <LoadMore nextCursor={list.nextCursor} loadingMore={list.loadingMore} onLoadMore={list.loadMore} count={list.items.length} noun="deliveries" />
      ) : null}
      <Notice>Failed deliveries are retried with backoff; the last error is shown under the status.</Notice>
    </>
  );
}
