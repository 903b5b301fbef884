import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api/client';
import { roles, type Role, type User } from '../../api/types';
import { SelectField, TextField } from '../../components/Field';
import { Badge, Empty, LoadMore, Loading, PageHeader, TableWrap } from '../../components/bits';
import { Notice, ProblemAlert } from '../../components/Problem';
import { capitalize, formatTime } from '../../lib/format';
import { usePaged } from '../../lib/hooks';
import { Link } from '../../lib/router';
import { hasErrors, validateNewUser } from '../../lib/validation';
import { useHd, useUser } from '../../session';

export function UsersPage() {
  const hd = useHd();
  const [role, setRole] = useState('');
  const [q, setQ] = useState('');
  const [search, setSearch] = useState('');
  const list = usePaged((cursor) => hd.users({ role, q: search, cursor, limit: 20 }), [role, search]);

  return (
    <>
      <PageHeader title="Users" />
      <CreateAccount onCreated={() => list.reload()} />
      <section className="card" aria-labelledby="users-title">
        <h2 id="users-title">All users</h2>
        <form
          className="filters"
          aria-label="Filter users"
          onSubmit={(e) => {
            e.preventDefault();
            setSearch(q.trim());
          }}
        >
          <SelectField
            label="Role"
            value={role}
            onChange={(e) => setRole(e.target.value)}
            options={[{ value: '', label: 'Any role' }, ...roles.map((r) => ({ value: r, label: capitalize(r) }))]}
          />
          <TextField label="Search" type="search" placeholder="Name or email" value={q} onChange={(e) => setQ(e.target.value)} />
          <div className="field field-button">
            <button type="submit" className="secondary">
              Search
            </button>
          </div>
        </form>
        <ProblemAlert error={list.error} onRetry={list.reload} />
        {list.loading ? (
          <Loading what="Loading users" />
        ) : list.items.length === 0 ? (
          <Empty>No user matches.</Empty>
        ) : (
          <TableWrap label="Users">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Account</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {list.items.map((u) => (
                  <UserRow key={u.id} user={u} onChange={(n) => list.setItems((items) => items.map((x) => (x.id === n.id ? n : x)))} />
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
        {!list.loading ? (
          <LoadMore nextCursor={list.nextCursor} loadingMore={list.loadingMore} onLoadMore={list.loadMore} count={list.items.length} noun="users" />
        ) : null}
      </section>
    </>
  );
}

function UserRow({ user, onChange }: { user: User; onChange: (u: User) => void }) {
  const hd = useHd();
  const me = useUser();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function toggle() {
    setBusy(true);
    setError(null);
    try {
      onChange(await hd.updateUser(user.id, { disabled: !user.disabled }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <tr>
        <td>{user.name}</td>
        <td>{user.email}</td>
        <td>
          <Badge kind="role" value={user.role} />
        </td>
        <td>
          {user.disabled ? 'Disabled' : 'Enabled'}{' '}
          {user.id !== me.id ? (
            <button type="button" className="small secondary" onClick={() => void toggle()} disabled={busy} aria-label={`${user.disabled ? 'Enable' : 'Disable'} ${user.email}`}>
              {user.disabled ? 'Enable' : 'Disable'}
            </button>
          ) : null}
        </td>
        <td>{formatTime(user.createdAt)}</td>
      </tr>
      {error ? (
        <tr>
          <td colSpan={5}>
            <ProblemAlert error={error} compact />
          </td>
        </tr>
      ) : null}
    </>
  );
}

function CreateAccount({ onCreated }: { onCreated: (u: User) => void }) {
  const hd = useHd();
  const empty = { name: '', email: '', password: '', role: 'agent' as Role };
  const [form, setForm] = useState(empty);
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<User | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found = validateNewUser(form);
    setErrors(found);
    if (hasErrors(found)) return;
    setBusy(true);
    setError(null);
    setCreated(null);
    try {
      const user = await hd.createUser({ name: form.name.trim(), email: form.email.trim(), password: form.password, role: form.role });
      setCreated(user);
      setForm(empty);
      onCreated(user);
    } catch (err) {
      if (err instanceof ApiError) {
        const fields = err.fieldErrors();
        if (err.status === 409) fields.email = 'An account with this email already exists.';
        setErrors(fields);
      }
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="create-user-title">
      <h2 id="create-user-title">Create an account</h2>
      <p className="muted">For agents and admins (customers can register themselves). Tell them their password in a safe way.</p>
      {created ? (
        <Notice tone="success">
          Created {created.role} account <strong>{created.email}</strong>.
          {created.role === 'agent' ? (
            <>
              {' '}
              Their agent profile appears under <Link href="/admin/agents">Agents</Link> within a few seconds.
            </>
          ) : null}
        </Notice>
      ) : null}
      <ProblemAlert error={error} />
      <form className="form grid-form" onSubmit={submit} noValidate>
        <TextField label="Name" value={form.name} onChange={set('name')} error={errors.name} autoComplete="off" />
        <TextField label="Email" type="email" value={form.email} onChange={set('email')} error={errors.email} autoComplete="off" />
        <TextField
          label="Password"
          type="password"
          value={form.password}
          onChange={set('password')}
          error={errors.password}
          hint="At least 10 characters."
          autoComplete="new-password"
        />
        <SelectField
          label="Role"
          value={form.role}
          onChange={set('role')}
          error={errors.role}
          options={[
            { value: 'agent', label: 'Agent' },
            { value: 'admin', label: 'Admin' },
            { value: 'customer', label: 'Customer' },
          ]}
        />
        <div className="field field-button">
          <button type="submit" disabled={busy}>
            {busy ? 'Creating…' : 'Create account'}
          </button>
        </div>
      </form>
    </section>
  );
}
