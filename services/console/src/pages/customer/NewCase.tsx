import { useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../../api/client';
import { priorities, type Priority } from '../../api/types';
import { Counter, SelectField, TextArea, TextField } from '../../components/Field';
import { PageHeader } from '../../components/bits';
import { ProblemAlert } from '../../components/Problem';
import { capitalize, newKey } from '../../lib/format';
import { Link, navigate } from '../../lib/router';
import { DESCRIPTION_MAX, SUBJECT_MAX, hasErrors, validateCase } from '../../lib/validation';
import { useHd } from '../../session';

export function NewCasePage() {
  const hd = useHd();
  const [form, setForm] = useState({ subject: '', description: '', priority: 'normal' as Priority });
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // One key per distinct content: a double submit or a retry after a lost response creates one case.
  const key = useRef<{ body: string; key: string } | null>(null);

  const update = (k: keyof typeof form) => (e: { target: { value: string } }) => {
    const next = { ...form, [k]: e.target.value };
    setForm(next);
    if (touched[k]) setErrors(validateCase(next));
  };
  const blur = (k: string) => () => {
    setTouched({ ...touched, [k]: true });
    setErrors(validateCase(form));
  };

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found = validateCase(form);
    setErrors(found);
    setTouched({ subject: true, description: true, priority: true });
    if (hasErrors(found)) {
      const first = (e.currentTarget as HTMLFormElement).querySelector<HTMLElement>('[aria-invalid="true"]');
      first?.focus();
      return;
    }
    const body = { subject: form.subject.trim(), description: form.description, priority: form.priority };
    const serialized = JSON.stringify(body);
    if (key.current?.body !== serialized) key.current = { body: serialized, key: newKey() };
    setBusy(true);
    setError(null);
    try {
      const created = await hd.openCase(body, key.current.key);
      navigate(`/cases/${created.id}`);
    } catch (err) {
      if (err instanceof ApiError) setErrors(err.fieldErrors());
      setError(err);
      setBusy(false);
    }
  }

  const shown = (k: string) => (touched[k] ? errors[k] : undefined);

  return (
    <>
      <PageHeader title="Open a case" />
      <p>
        <Link href="/">← My cases</Link>
      </p>
      <ProblemAlert error={error} />
      <form className="card form" onSubmit={submit} noValidate>
        <TextField
          label="Subject"
          value={form.subject}
          onChange={update('subject')}
          onBlur={blur('subject')}
          error={shown('subject')}
          hint={<Counter value={form.subject} max={SUBJECT_MAX} />}
          maxLength={SUBJECT_MAX + 50}
          required
        />
        <TextArea
          label="Description"
          rows={8}
          value={form.description}
          onChange={update('description')}
          onBlur={blur('description')}
          error={shown('description')}
          hint={<>What happened, what you expected, and anything you tried. <Counter value={form.description} max={DESCRIPTION_MAX} /></>}
          required
        />
        <SelectField
          label="Priority"
          value={form.priority}
          onChange={update('priority')}
          error={shown('priority')}
          options={priorities.map((p) => ({ value: p, label: capitalize(p) }))}
        />
        <div className="row">
          <button type="submit" disabled={busy}>
            {busy ? 'Opening…' : 'Open case'}
          </button>
          <Link className="button secondary" href="/">
            Cancel
          </Link>
        </div>
      </form>
    </>
  );
}
