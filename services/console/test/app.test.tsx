import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../src/api/client';
import { App } from '../src/App';
import { ErrorBoundary } from '../src/components/ErrorBoundary';
import { SessionProvider } from '../src/session';
import { fakeFetch, makeUser, memoryStore, page, problem } from './helpers';

describe('app shell', () => {
  it('signs in, lands on the role home, and signs out', async () => {
    const customer = makeUser('customer');
    const fake = fakeFetch({
      'POST /api/v1/auth/login': () => ({ body: { accessToken: 'a', refreshToken: 'r', tokenType: 'Bearer', expiresIn: 900, user: customer } }),
      'GET /api/v1/cases': () => page([]),
      'POST /api/v1/auth/logout': () => ({ status: 204 }),
    });
    const client = new ApiClient({ fetch: fake.fetch, refreshStore: memoryStore() });
    render(
      <SessionProvider client={client}>
        <App />
      </SessionProvider>,
    );
    fireEvent.change(await screen.findByLabelText('Email'), { target: { value: 'customer@example.test' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'secret-secret' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('heading', { name: 'My cases' })).toBeTruthy();
    expect(screen.getByRole('navigation', { name: 'Main' }).textContent).toContain('Open a case');
    fireEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(await screen.findByText('You have signed out.')).toBeTruthy();
  });

  it('shows the 429 with its Retry-After on the sign-in form', async () => {
    const fake = fakeFetch({
      'POST /api/v1/auth/login': () => ({ status: 429, headers: { 'retry-after': '90' }, body: problem(429, 'Too many requests', 'Too many failed sign-ins for this account.') }),
    });
    render(
      <SessionProvider client={new ApiClient({ fetch: fake.fetch, refreshStore: memoryStore() })}>
        <App />
      </SessionProvider>,
    );
    fireEvent.change(await screen.findByLabelText('Email'), { target: { value: 'x@example.test' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'whatever' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Too many failed sign-ins for this account.');
    expect(alert.textContent).toContain('Try again in 2 minutes.');
  });

  it('returns to sign-in with a message when the session cannot be refreshed', async () => {
    const fake = fakeFetch({
      'POST /api/v1/auth/refresh': () => ({ status: 401, body: problem(401, 'Unauthorized', 'Spent.') }),
      'GET /api/v1/cases': () => ({ status: 401, body: problem(401, 'Unauthorized', 'Expired.') }),
    });
    const client = new ApiClient({ fetch: fake.fetch, refreshStore: memoryStore('r') });
    client.setTokens({ accessToken: 'old', refreshToken: 'r' });
    render(
      <SessionProvider client={client} initialUser={makeUser('customer')}>
        <App />
      </SessionProvider>,
    );
    expect(await screen.findByText('Your session has expired. Please sign in again.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeTruthy();
  });

  it('admins land on agents; unknown paths get an in-app not-found page', async () => {
    const fake = fakeFetch({ 'GET /api/v1/agents': () => page([]) });
    window.history.replaceState(null, '', '/nowhere');
    const client = new ApiClient({ fetch: fake.fetch, refreshStore: memoryStore('r') });
    client.setTokens({ accessToken: 'a', refreshToken: 'r' });
    render(
      <SessionProvider client={client} initialUser={makeUser('admin')}>
        <App />
      </SessionProvider>,
    );
    expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeTruthy();
    fireEvent.click(screen.getByRole('link', { name: 'Agents' }));
    expect(await screen.findByRole('heading', { name: 'Agents' })).toBeTruthy();
    await waitFor(() => expect(window.location.pathname).toBe('/admin/agents'));
  });

  it('never shows a blank page when a component throws', () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    function Boom(): never {
      throw new Error('kaboom');
    }
    render(
      <ErrorBoundary>
        <Boom />
      </ErrorBoundary>,
    );
    expect(screen.getByRole('alert').textContent).toContain('kaboom');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeTruthy();
    spy.mockRestore();
  });
});
