import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api/client';
import { TextField } from '../../components/Field';
import { Notice, ProblemAlert } from '../../components/Problem';
import { Link, navigate } from '../../lib/router';
import { hasErrors, validateLogin, validateRegistration } from '../../lib/validation';
import { useSession } from '../../session';

export function SignInPage() {
  const { signIn, notice } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found = validateLogin({ email, password });
    setErrors(found);
    if (hasErrors(found)) return;
    setBusy(true);
    setError(null);
    try {
      await signIn(email.trim(), password);
      // Stay on a deep link (e.g. /cases/…); leave the sign-in paths for the start page.
      if (['/login', '/register'].includes(window.location.pathname)) navigate('/', { replace: true });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  return (
    <section className="auth-card" aria-labelledby="signin-title">
      <h1 id="signin-title">Sign in to Helmdesk</h1>
      {notice ? <Notice>{notice}</Notice> : null}
      <ProblemAlert error={error} signingIn />
      <form onSubmit={submit} noValidate>
        <TextField label="Email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} error={errors.email} />
        <TextField
          label="Password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={errors.password}
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p>
        New here? <Link href="/register">Create a customer account</Link>
      </p>
    </section>
  );
}

export function RegisterPage() {
  const { signIn, api } = useSession();
  const [form, setForm] = useState({ name: '', email: '', password: '' });
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found = validateRegistration(form);
    setErrors(found);
    if (hasErrors(found)) return;
    setBusy(true);
    setError(null);
    try {
      await api.register({ name: form.name.trim(), email: form.email.trim(), password: form.password });
      await signIn(form.email.trim(), form.password);
      navigate('/', { replace: true });
    } catch (err) {
      if (err instanceof ApiError) {
        const fields = err.fieldErrors();
        if (err.status === 409) fields.email = 'An account with this email already exists. Sign in instead?';
        setErrors(fields);
      }
      setError(err);
      setBusy(false);
    }
  }

  return (
    <section className="auth-card" aria-labelledby="register-title">
      <h1 id="register-title">Create your account</h1>
      <p className="muted">Customers can open support cases and follow them here.</p>
      <ProblemAlert error={error} signingIn />
      <form onSubmit={submit} noValidate>
        <TextField label="Name" autoComplete="name" value={form.name} onChange={set('name')} error={errors.name} />
        <TextField label="Email" type="email" autoComplete="email" value={form.email} onChange={set('email')} error={errors.email} />
        <TextField
          label="Password"
          type="password"
          autoComplete="new-password"
          value={form.password}
          onChange={set('password')}
          error={errors.password}
          hint="At least 10 characters."
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Creating account…' : 'Create account'}
        </button>
      </form>
      <p>
        Already have an account? <Link href="/login">Sign in</Link>
      </p>
    </section>
  );
}
