import { useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../../api/client';
import type { Template } from '../../api/types';
import { TextArea, TextField } from '../../components/Field';
import { Empty, LoadMore, Loading, PageHeader } from '../../components/bits';
import { Notice, ProblemAlert } from '../../components/Problem';
import { formatTime } from '../../lib/format';
import { usePaged } from '../../lib/hooks';
import { hasErrors, validateTemplate } from '../../lib/validation';
import { useHd } from '../../session';

const caseVars = ['case.id', 'case.subject', 'case.priority', 'case.createdAt'];
const customerVars = ['customer.name', 'customer.email'];

/**
 * The placeholders each template may use, for when the API does not list them itself (the
 * notification service sends `variables` with each template; that list wins).
 */
export const knownPlaceholders: Record<string, string[]> = {
  'case.opened.customer': [...caseVars, ...customerVars],
  'case.assigned.customer': [...caseVars, ...customerVars, 'agent.name', 'case.assignedAt'],
  'case.assigned.agent': [...caseVars, ...customerVars, 'agent.name', 'agent.email', 'case.assignedAt'],
  'case.resolved.customer': [...caseVars, ...customerVars, 'agent.name', 'case.resolvedAt', 'case.resolution'],
  'digest.daily': [
    'digest.date',
    'digest.opened',
    'digest.assigned',
    'digest.resolved',
    'digest.waiting',
    'digest.oldestWaiting',
    'digest.oldestWaitingId',
    'digest.oldestWaitingSubject',
    'digest.oldestWaitingSince',
  ],
};

const descriptions: Record<string, string> = {
  'case.opened.customer': 'To the customer when their case is opened.',
  'case.assigned.customer': 'To the customer when an agent takes their case.',
  'case.assigned.agent': 'To the agent when a case is assigned to them.',
  'case.resolved.customer': 'To the customer when their case is resolved.',
  'digest.daily': 'The daily digest to the support inbox.',
};

export function TemplatesPage() {
  const hd = useHd();
  const list = usePaged((cursor) => hd.templates({ cursor, limit: 20 }), []);
  return (
    <>
      <PageHeader title="Notification templates" />
      <p className="muted">
        Plain text with <code>{'{{placeholder}}'}</code> fields, filled in when each mail is sent. Only the placeholders listed for a
        template are accepted.
      </p>
      <ProblemAlert error={list.error} onRetry={list.reload} />
      {list.loading ? (
        <Loading what="Loading templates" />
      ) : list.items.length === 0 ? (
        <Empty>No templates.</Empty>
      ) : (
        list.items.map((t) => (
          <TemplateEditor key={t.key} template={t} onSaved={(n) => list.setItems((items) => items.map((x) => (x.key === n.key ? { ...x, ...n } : x)))} />
        ))
      )}
      {!list.loading ? (
        <LoadMore nextCursor={list.nextCursor} loadingMore={list.loadingMore} onLoadMore={list.loadMore} count={list.items.length} noun="templates" />
      ) : null}
    </>
  );
}

function TemplateEditor({ template, onSaved }: { template: Template; onSaved: (t: Template) => void }) {
  const hd = useHd();
  const allowed = template.variables ?? knownPlaceholders[template.key];
  const [form, setForm] = useState({ subject: template.subject, body: template.body });
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const body = useRef<HTMLTextAreaElement>(null);
  const dirty = form.subject !== template.subject || form.body !== template.body;

  function insert(name: string) {
    const el = body.current;
    const token = `{{${name}}}`;
    const start = el?.selectionStart ?? form.body.length;
    const end = el?.selectionEnd ?? form.body.length;
    const next = form.body.slice(0, start) + token + form.body.slice(end);
    setForm({ ...form, body: next });
    setSaved(false);
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(start + token.length, start + token.length);
    });
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found = validateTemplate(form, allowed);
    setErrors(found);
    if (hasErrors(found)) return;
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const t = await hd.saveTemplate(template.key, form);
      onSaved(t ?? { ...template, ...form });
      setSaved(true);
    } catch (err) {
      if (err instanceof ApiError) setErrors(err.fieldErrors());
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const titleId = `tpl-${template.key.replace(/\W/g, '-')}`;
  return (
    <section className="card" aria-labelledby={titleId}>
      <div className="section-header">
        <h2 id={titleId}>
          <code>{template.key}</code>
        </h2>
        <span className="muted small-text">Updated {formatTime(template.updatedAt)}</span>
      </div>
      {descriptions[template.key] ? <p>{descriptions[template.key]}</p> : null}
      <ProblemAlert error={error} compact />
      {saved ? <Notice tone="success">Saved. New mails use this text.</Notice> : null}
      <form onSubmit={submit} noValidate className="template-form">
        <div className="template-fields">
          <TextField
            label="Subject"
            value={form.subject}
            onChange={(e) => {
              setForm({ ...form, subject: e.target.value });
              setSaved(false);
            }}
            error={errors.subject}
          />
          <TextArea
            ref={body}
            label="Body"
            rows={8}
            value={form.body}
            onChange={(e) => {
              setForm({ ...form, body: e.target.value });
              setSaved(false);
            }}
            error={errors.body}
          />
        </div>
        <div className="placeholders">
          <h3>Allowed placeholders</h3>
          {allowed && allowed.length ? (
            <ul aria-label={`Placeholders for ${template.key}`}>
              {allowed.map((v) => (
                <li key={v}>
                  <button type="button" className="chip" onClick={() => insert(v)} title="Insert into the body at the cursor">
                    {`{{${v}}}`}
                  </button>
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">Not known for this template; the server checks them when you save.</p>
          )}
        </div>
        <div className="row">
          <button type="submit" disabled={busy || !dirty}>
            {busy ? 'Saving…' : 'Save template'}
          </button>
          <button
            type="button"
            className="secondary"
            disabled={busy || !dirty}
            onClick={() => {
              setForm({ subject: template.subject, body: template.body });
              setErrors({});
            }}
          >
            Undo changes
          </button>
        </div>
      </form>
    </section>
  );
}
