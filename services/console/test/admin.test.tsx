import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Agent, Template } from '../src/api/types';
import { AgentsPage } from '../src/pages/admin/Agents';
import { DeliveriesPage } from '../src/pages/admin/Deliveries';
import { TemplatesPage } from '../src/pages/admin/Templates';
import { UsersPage } from '../src/pages/admin/Users';
import { WebhooksPage } from '../src/pages/admin/Webhooks';
import { makeUser, page, problem, renderAs, uuid } from './helpers';

const admin = makeUser('admin');
const agent = (o: Partial<Agent>): Agent => ({
  id: uuid(),
  name: 'Ada',
  email: 'ada@example.test',
  status: 'online',
  active: true,
  capacity: 3,
  activeCases: 0,
  lastAssignedAt: null,
  ...o,
});

describe('admin: agents', () => {
  it('edits capacity, and deletes with the 409 explained and an explicit reassign', async () => {
    const ada = agent({ name: 'Ada', activeCases: 2 });
    const bob = agent({ name: 'Bob', email: 'bob@example.test', status: 'away' });
    const { calls } = renderAs(admin, <AgentsPage pollMs={0} />, {
      'GET /api/v1/agents': () => page([ada, bob]),
      'PATCH /api/v1/agents/:id': (req) => ({ body: { ...(req.params.id === ada.id ? ada : bob), ...(req.body as object) } }),
      'DELETE /api/v1/agents/:id': (req) =>
        req.query.get('reassign') === 'true'
          ? { status: 204 }
          : { status: 409, body: problem(409, 'Conflict', 'The agent holds 2 open cases.') },
    });
    const row = (await screen.findByText('Ada')).closest('tr')!;
    expect(within(row).getByText('Online')).toBeTruthy();

    const cap = screen.getByLabelText('Capacity of Ada');
    fireEvent.change(cap, { target: { value: '60' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save capacity of Ada' }));
    expect(await screen.findByText('Capacity must be between 1 and 50.')).toBeTruthy();
    fireEvent.change(cap, { target: { value: '10' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save capacity of Ada' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true));
    expect(calls.find((c) => c.method === 'PATCH')!.body).toEqual({ capacity: 10 });

    fireEvent.click(screen.getByRole('button', { name: 'Delete Ada' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Delete agent' }));
    expect(await screen.findByText('The agent holds 2 open cases.')).toBeTruthy();
    expect(screen.getByText(/keeps its original place/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Reassign and delete' }));
    expect(await screen.findByText(/Ada was deleted and their open cases went back to the queue/)).toBeTruthy();
    expect(screen.queryByText('ada@example.test')).toBeNull();
    expect(calls.filter((c) => c.method === 'DELETE').map((c) => c.query.get('reassign'))).toEqual([null, 'true']);
  });

  it('toggles active', async () => {
    const ada = agent({});
    const { calls } = renderAs(admin, <AgentsPage pollMs={0} />, {
      'GET /api/v1/agents': () => page([ada]),
      'PATCH /api/v1/agents/:id': (req) => ({ body: { ...ada, ...(req.body as object) } }),
    });
    fireEvent.click(await screen.findByRole('checkbox', { name: /Active/ }));
    expect(await screen.findByText('Inactive')).toBeTruthy();
    expect(calls.at(-1)!.body).toEqual({ active: false });
  });
});

describe('admin: users', () => {
  it('creates an agent account and filters the list', async () => {
    const created: unknown[] = [];
    const { calls } = renderAs(admin, <UsersPage />, {
      'GET /api/v1/users': () => page([admin]),
      'POST /api/v1/users': (req) => {
        created.push(req.body);
        return { status: 201, body: { ...makeUser('agent', { email: 'new@example.test' }) } };
      },
    });
    expect(await screen.findByText('admin@example.test')).toBeTruthy();
    const form = screen.getByRole('heading', { name: 'Create an account' }).closest('section')!;
    fireEvent.change(within(form).getByLabelText('Name'), { target: { value: 'New Agent' } });
    fireEvent.change(within(form).getByLabelText('Email'), { target: { value: 'new@example.test' } });
    fireEvent.change(within(form).getByLabelText('Password'), { target: { value: 'short' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Create account' }));
    expect(await within(form).findByText(/at least 10 characters \(now 5\)/)).toBeTruthy();
    fireEvent.change(within(form).getByLabelText('Password'), { target: { value: 'long-enough-1' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Create account' }));
    expect(await screen.findByText(/Created agent account/)).toBeTruthy();
    expect(created).toEqual([{ name: 'New Agent', email: 'new@example.test', password: 'long-enough-1', role: 'agent' }]);

    fireEvent.change(screen.getByLabelText('Role', { selector: '.filters select' }), { target: { value: 'agent' } });
    fireEvent.change(screen.getByLabelText('Search'), { target: { value: 'ada' } });
    fireEvent.click(screen.getByRole('button', { name: 'Search' }));
    await waitFor(() => expect(calls.at(-1)!.query.get('q')).toBe('ada'));
    expect(calls.at(-1)!.query.get('role')).toBe('agent');
  });
});

describe('admin: webhooks', () => {
  it('shows the secret once after creating', async () => {
    const hooks: { id: string; url: string; events: string[] }[] = [];
    renderAs(admin, <WebhooksPage />, {
      'GET /api/v1/webhooks': () => page(hooks),
      'POST /api/v1/webhooks': (req) => {
        const w = { id: uuid(), ...(req.body as { url: string; events: string[] }) };
        hooks.push(w);
        return { status: 201, body: { ...w, secret: 'whsec_s3cr3t' } };
      },
    });
    fireEvent.change(await screen.findByLabelText('URL'), { target: { value: 'https://hooks.example.com/x' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create webhook' }));
    expect((await screen.findByTestId('webhook-secret')).textContent).toBe('whsec_s3cr3t');
    expect(await screen.findByText('https://hooks.example.com/x', { selector: 'td code' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'I have stored it' }));
    expect(screen.queryByText('whsec_s3cr3t')).toBeNull();
  });
});

describe('admin: templates and deliveries', () => {
  it('lists the allowed placeholders and refuses unknown ones before saving', async () => {
    const t: Template = { key: 'case.assigned.customer', subject: 'Assigned: {{case.subject}}', body: 'Hi {{customer.name}}', updatedAt: '2025-01-01T00:00:00Z' };
    const { calls } = renderAs(admin, <TemplatesPage />, { 'GET /api/v1/notification-templates': () => page([t]) });
    const list = await screen.findByRole('list', { name: 'Placeholders for case.assigned.customer' });
    expect(within(list).getByText('{{agent.name}}')).toBeTruthy();
    expect(within(list).queryByText('{{agent.email}}')).toBeNull();
    fireEvent.change(screen.getByLabelText('Body'), { target: { value: 'Hi {{agent.email}}' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save template' }));
    expect(await screen.findByText('Unknown placeholder {{agent.email}}.')).toBeTruthy();
    expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(0);
  });

  it('filters the delivery log', async () => {
    const { calls } = renderAs(admin, <DeliveriesPage />, {
      'GET /api/v1/notifications': () =>
        page([
          { id: uuid(), eventId: uuid(), event: 'case.created', channel: 'email', recipient: 'c@example.test', template: 'case.opened.customer', status: 'sent', attempts: 1, lastError: null, createdAt: '2025-01-01T00:00:00Z', sentAt: '2025-01-01T00:00:01Z' },
        ]),
    });
    expect(await screen.findByText('c@example.test')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Recipient'), { target: { value: 'c@example.test' } });
    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'failed' } });
    fireEvent.change(screen.getByLabelText('Channel'), { target: { value: 'email' } });
    fireEvent.change(screen.getByLabelText('From'), { target: { value: '2025-01-01T00:00' } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply filters' }));
    await waitFor(() => expect(calls.at(-1)!.query.get('status')).toBe('failed'));
    const q = calls.at(-1)!.query;
    expect(q.get('recipient')).toBe('c@example.test');
    expect(q.get('channel')).toBe('email');
    expect(q.get('from')).toMatch(/^2025-01-01T\d\d:00:00\.000Z$|^2024-12-31T/);
    expect(q.get('to')).toBeNull();
  });
});
