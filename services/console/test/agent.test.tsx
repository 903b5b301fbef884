import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Agent, Case } from '../src/api/types';
import { AgentHomePage } from '../src/pages/agent/AgentHome';
import { QueuePage } from '../src/pages/agent/Queue';
import { CasePage } from '../src/pages/CasePage';
import { makeUser, page, problem, renderAs, uuid } from './helpers';

const agentUser = makeUser('agent');
const profile = (o: Partial<Agent> = {}): Agent => ({
  id: agentUser.id,
  name: agentUser.name,
  email: agentUser.email,
  status: 'offline',
  active: true,
  capacity: 3,
  activeCases: 0,
  lastAssignedAt: null,
  ...o,
});

const kase = (o: Partial<Case> = {}): Case => ({
  id: uuid(),
  subject: 'VPN down',
  description: 'No tunnel.',
  priority: 'high',
  status: 'assigned',
  customerId: uuid(),
  assigneeId: agentUser.id,
  createdAt: '2025-03-01T09:00:00.000Z',
  updatedAt: '2025-03-01T09:00:00.000Z',
  assignedAt: '2025-03-01T09:00:00.000Z',
  resolvedAt: null,
  resolution: null,
  ...o,
});

describe('agent: my desk', () => {
  it('says kindly that the profile is not ready, retries, then switches status', async () => {
    let ready = false;
    let me = profile();
    const assigned = kase();
    const { calls } = renderAs(agentUser, <AgentHomePage pollMs={0} profileRetryMs={30} />, {
      'GET /api/v1/agents/me': () => (ready ? { body: me } : { status: 404, body: problem(404, 'Not found', 'No agent profile for you.') }),
      'PATCH /api/v1/agents/me': (req) => {
        me = { ...me, status: (req.body as { status: Agent['status'] }).status };
        return { body: me };
      },
      'GET /api/v1/assignments': () => page([{ caseId: assigned.id, agentId: agentUser.id, state: 'active', assignedAt: assigned.assignedAt!, resolvedAt: null, how: 'auto' }]),
      'GET /api/v1/cases/:id': () => ({ body: assigned }),
    });
    expect(await screen.findByText(/profile is not ready yet/)).toBeTruthy();
    ready = true;
    const online = await screen.findByLabelText('Online');
    expect((screen.getByLabelText('Offline') as HTMLInputElement).checked).toBe(true);
    fireEvent.click(online);
    await waitFor(() => expect((screen.getByLabelText('Online') as HTMLInputElement).checked).toBe(true));
    expect(calls.find((c) => c.method === 'PATCH')!.body).toEqual({ status: 'online' });
    expect(await screen.findByRole('link', { name: 'VPN down' })).toBeTruthy();
    expect(calls.filter((c) => c.path === '/api/v1/agents/me' && c.method === 'GET').length).toBeGreaterThanOrEqual(2);
  });

  it('shows a 403 with its explanation', async () => {
    renderAs(agentUser, <AgentHomePage pollMs={0} />, {
      'GET /api/v1/agents/me': () => ({ status: 403, body: problem(403, 'Forbidden', 'Agents only.') }),
    });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Agents only.');
    expect(alert.textContent).toContain('not allowed');
  });
});

describe('agent: queue', () => {
  it('lists waiting cases with positions and claims one', async () => {
    const waiting = [
      { caseId: uuid(), subject: 'Urgent thing', priority: 'urgent', queuedAt: '2025-03-01T08:00:00.000Z', position: 1 },
      { caseId: uuid(), subject: 'Slow thing', priority: 'low', queuedAt: '2025-03-01T07:00:00.000Z', position: 2 },
    ];
    const { calls } = renderAs(agentUser, <QueuePage pollMs={0} />, {
      'GET /api/v1/queue': () => page(waiting),
      'POST /api/v1/queue/:caseId/claim': (req) => ({
        body: { caseId: req.params.caseId, agentId: agentUser.id, state: 'active', assignedAt: new Date().toISOString(), resolvedAt: null, how: 'claim' },
      }),
    });
    expect(await screen.findByText('#1')).toBeTruthy();
    expect(screen.getByText('#2')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Claim “Slow thing”' }));
    await waitFor(() => expect(window.location.pathname).toBe(`/cases/${waiting[1]!.caseId}`));
    expect(calls.at(-1)!.path).toBe(`/api/v1/queue/${waiting[1]!.caseId}/claim`);
  });

  it('explains a 409 claim', async () => {
    renderAs(agentUser, <QueuePage pollMs={0} />, {
      'GET /api/v1/queue': () => page([]),
      'POST /api/v1/queue/claim': () => ({ status: 409, body: problem(409, 'Conflict', 'You are offline.') }),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Claim next case' }));
    expect((await screen.findByRole('alert')).textContent).toContain('You are offline.');
    expect(screen.getByText(/at capacity/)).toBeTruthy();
  });
});

describe('agent: case page', () => {
  it('comments and resolves with a resolution text', async () => {
    let c = kase();
    const { calls } = renderAs(agentUser, <CasePage id={c.id} pollMs={0} />, {
      'GET /api/v1/cases/:id': () => ({ body: c }),
      'GET /api/v1/cases/:id/comments': () => page([]),
      'GET /api/v1/cases/:id/history': () => ({ body: { items: [] } }),
      'POST /api/v1/assignments/:caseId/resolve': (req) => {
        c = { ...c, status: 'resolved', resolution: (req.body as { resolution: string }).resolution, resolvedAt: new Date().toISOString() };
        return { body: { caseId: c.id, agentId: agentUser.id, state: 'resolved', assignedAt: c.assignedAt, resolvedAt: c.resolvedAt, how: 'auto' } };
      },
    });
    expect(await screen.findByLabelText('Add a comment')).toBeTruthy();
    expect(screen.getByTestId('assignee').textContent).toContain('You');
    fireEvent.change(screen.getByLabelText('Resolution'), { target: { value: 'Restarted the gateway.' } });
    fireEvent.click(screen.getByRole('button', { name: 'Resolve case' }));
    await waitFor(() => expect(screen.getByTestId('case-status').textContent).toBe('Resolved'));
    expect(calls.find((x) => x.path.endsWith('/resolve'))!.body).toEqual({ resolution: 'Restarted the gateway.' });
  });

  it('offers to claim a waiting case instead of commenting', async () => {
    const c = kase({ status: 'open', assigneeId: null, assignedAt: null });
    renderAs(agentUser, <CasePage id={c.id} pollMs={0} />, {
      'GET /api/v1/cases/:id': () => ({ body: c }),
      'GET /api/v1/cases/:id/comments': () => page([]),
      'GET /api/v1/cases/:id/history': () => ({ body: { items: [] } }),
    });
    expect(await screen.findByRole('button', { name: 'Claim this case' })).toBeTruthy();
    expect(screen.queryByLabelText('Add a comment')).toBeNull();
  });
});
