import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Case, Comment, HistoryItem } from '../src/api/types';
import { CaseListPage } from '../src/pages/CaseList';
import { CasePage } from '../src/pages/CasePage';
import { NewCasePage } from '../src/pages/customer/NewCase';
import { makeUser, page, problem, renderAs, uuid } from './helpers';

const customer = makeUser('customer');

function aCase(overrides: Partial<Case> = {}): Case {
  return {
    id: uuid(),
    subject: 'Cannot log in',
    description: 'The page says no.',
    priority: 'normal',
    status: 'open',
    customerId: customer.id,
    assigneeId: null,
    createdAt: '2025-03-01T09:00:00.000Z',
    updatedAt: '2025-03-01T09:00:00.000Z',
    assignedAt: null,
    resolvedAt: null,
    resolution: null,
    ...overrides,
  };
}

describe('customer: my cases', () => {
  it('lists cases with status badges, filters, and loads more with nextCursor', async () => {
    const first = [aCase({ subject: 'First', status: 'assigned' }), aCase({ subject: 'Second', status: 'resolved', priority: 'urgent' })];
    const more = [aCase({ subject: 'Third' })];
    const { calls } = renderAs(customer, <CaseListPage pollMs={0} />, {
      'GET /api/v1/cases': (req) => {
        if (req.query.get('cursor') === 'c2') return page(more);
        if (req.query.get('status') === 'resolved') return page([first[1]!]);
        return page(first, 'c2');
      },
    });
    expect(await screen.findByRole('link', { name: 'First' })).toBeTruthy();
    const table = screen.getByRole('table');
    expect(within(table).getByText('Assigned')).toBeTruthy();
    expect(within(table).getByText('Resolved')).toBeTruthy();
    expect(within(table).getByText('Urgent')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await screen.findByRole('link', { name: 'Third' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
    expect(calls.find((c) => c.query.get('cursor') === 'c2')).toBeTruthy();

    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'resolved' } });
    await waitFor(() => expect(screen.queryByRole('link', { name: 'First' })).toBeNull());
    expect(screen.getByRole('link', { name: 'Second' })).toBeTruthy();
    expect(calls.at(-1)!.query.get('status')).toBe('resolved');
  });

  it('shows the problem when the list fails', async () => {
    renderAs(customer, <CaseListPage pollMs={0} />, {
      'GET /api/v1/cases': () => ({ status: 503, body: problem(503, 'Service unavailable', 'The case service is not ready.') }),
    });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Service unavailable');
    expect(alert.textContent).toContain('The case service is not ready.');
  });
});

describe('customer: open a case', () => {
  it('validates inline before sending anything', async () => {
    const { calls } = renderAs(customer, <NewCasePage />, {});
    fireEvent.click(screen.getByRole('button', { name: 'Open case' }));
    expect(await screen.findByText('Subject is required.')).toBeTruthy();
    expect(screen.getByText('Description is required.')).toBeTruthy();
    expect(screen.getByLabelText('Subject').getAttribute('aria-invalid')).toBe('true');
    fireEvent.change(screen.getByLabelText('Subject'), { target: { value: 'x'.repeat(201) } });
    expect(await screen.findByText(/at most 200 characters/)).toBeTruthy();
    expect(calls).toHaveLength(0);
  });

  it('posts the case with an Idempotency-Key and goes to its page', async () => {
    const created = aCase({ subject: 'Broken printer', priority: 'high' });
    const { calls } = renderAs(customer, <NewCasePage />, {
      'POST /api/v1/cases': () => ({ status: 201, body: created }),
    });
    fireEvent.change(screen.getByLabelText('Subject'), { target: { value: '  Broken printer ' } });
    fireEvent.change(screen.getByLabelText('Description'), { target: { value: 'It prints nothing.' } });
    fireEvent.change(screen.getByLabelText('Priority'), { target: { value: 'high' } });
    fireEvent.click(screen.getByRole('button', { name: 'Open case' }));
    await waitFor(() => expect(window.location.pathname).toBe(`/cases/${created.id}`));
    expect(calls[0]!.body).toEqual({ subject: 'Broken printer', description: 'It prints nothing.', priority: 'high' });
    expect(calls[0]!.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('shows the API field errors next to the fields', async () => {
    renderAs(customer, <NewCasePage />, {
      'POST /api/v1/cases': () => ({
        status: 400,
        body: problem(400, 'Invalid request', 'A field is invalid: body.description (too weird)', {
          errors: [{ path: 'body.description', message: 'too weird' }],
        }),
      }),
    });
    fireEvent.change(screen.getByLabelText('Subject'), { target: { value: 'S' } });
    fireEvent.change(screen.getByLabelText('Description'), { target: { value: 'D' } });
    fireEvent.click(screen.getByRole('button', { name: 'Open case' }));
    expect(await screen.findByText('too weird')).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toContain('Invalid request');
  });
});

describe('customer: case page', () => {
  it('shows comments and history, and picks up a new comment and the resolution by polling', async () => {
    const agentId = uuid();
    let state = aCase({ status: 'assigned', assigneeId: agentId, assignedAt: '2025-03-01T09:01:00.000Z' });
    const comments: Comment[] = [
      { id: uuid(), caseId: state.id, authorId: customer.id, authorRole: 'customer', body: 'Any news?', createdAt: '2025-03-01T09:02:00.000Z' },
    ];
    const history: HistoryItem[] = [
      { type: 'case.created', at: state.createdAt, actorId: customer.id, data: { subject: state.subject, priority: 'normal' } },
      { type: 'case.assigned', at: '2025-03-01T09:01:00.000Z', data: { agentId, how: 'auto' } },
    ];
    renderAs(customer, <CasePage id={state.id} pollMs={40} />, {
      'GET /api/v1/cases/:id': () => ({ body: state }),
      'GET /api/v1/cases/:id/comments': () => page(comments),
      'GET /api/v1/cases/:id/history': () => ({ body: { items: history } }),
    });
    expect(await screen.findByRole('heading', { level: 1, name: 'Cannot log in' })).toBeTruthy();
    expect(screen.getByText('Any news?')).toBeTruthy();
    expect(screen.getByTestId('assignee').textContent).toContain('A support agent');
    expect(screen.getByText(/Assigned to/)).toBeTruthy();
    expect(screen.getByTestId('case-status').textContent).toBe('Assigned');

    comments.push({ id: uuid(), caseId: state.id, authorId: agentId, authorRole: 'agent', body: 'Fixed the password.', createdAt: '2025-03-01T09:03:00.000Z' });
    state = { ...state, status: 'resolved', resolvedAt: '2025-03-01T09:04:00.000Z', resolution: 'Reset the password.' };
    history.push({ type: 'case.resolved', at: state.resolvedAt!, data: { agentId, resolution: 'Reset the password.' } });

    expect(await screen.findByText('Fixed the password.')).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId('case-status').textContent).toBe('Resolved'));
    expect(screen.getAllByText('Reset the password.').length).toBeGreaterThan(0);
  });

  it('posts a comment', async () => {
    const c = aCase();
    const comments: Comment[] = [];
    const { calls } = renderAs(customer, <CasePage id={c.id} pollMs={0} />, {
      'GET /api/v1/cases/:id': () => ({ body: c }),
      'GET /api/v1/cases/:id/comments': () => page(comments),
      'GET /api/v1/cases/:id/history': () => ({ body: { items: [] } }),
      'POST /api/v1/cases/:id/comments': (req) => {
        const m: Comment = { id: uuid(), caseId: c.id, authorId: customer.id, authorRole: 'customer', body: (req.body as { body: string }).body, createdAt: new Date().toISOString() };
        comments.push(m);
        return { status: 201, body: m };
      },
    });
    fireEvent.change(await screen.findByLabelText('Add a comment'), { target: { value: 'Hello there' } });
    fireEvent.click(screen.getByRole('button', { name: 'Post comment' }));
    expect(await screen.findByText('Hello there')).toBeTruthy();
    expect(calls.find((x) => x.method === 'POST')!.headers['idempotency-key']).toBeTruthy();
  });

  it('says so when the case is not there (or not yours)', async () => {
    renderAs(customer, <CasePage id="nope" pollMs={0} />, {
      'GET /api/v1/cases/:id': () => ({ status: 404, body: problem(404, 'Not found', 'There is no case nope.') }),
      'GET /api/v1/cases/:id/comments': () => ({ status: 404, body: problem(404, 'Not found', 'There is no case nope.') }),
      'GET /api/v1/cases/:id/history': () => ({ status: 404, body: problem(404, 'Not found', 'There is no case nope.') }),
    });
    expect((await screen.findByRole('alert')).textContent).toContain('There is no case nope.');
  });
});
