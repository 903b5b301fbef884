import { z } from 'zod';
import { defineRoute, NotFound, pageQuery, pageSchema, toPage, type RouteDefinition } from '@helmdesk/platform';
import { agentStatusSchema, maxCapacity, minCapacity, missingProfileDetail } from '../domain/agent';
import { findAgent, listAgents } from '../store/agents';
import { updateAgentSettings, setOwnStatus } from '../use-cases/change-availability/change-availability';
import { removeAgent } from '../use-cases/remove-agent/remove-agent';
import { caller } from './caller';
import { readCursor } from '@helmdesk/platform';
import { runUseCase, type HttpDeps } from './deps';
import { agentSchema, presentAgent } from './representations';

const tags = ['agents'];
const agentIdParams = z.strictObject({ id: z.uuid() });

export function agentRoutes(deps: HttpDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/agents',
      summary: 'List agents (by name)',
      tags,
      access: ['admin'],
      query: z.strictObject({ status: agentStatusSchema.optional(), ...pageQuery }),
      response: pageSchema(agentSchema),
      handler: async ({ query }) => {
        const after = readCursor(query.cursor, z.tuple([z.string(), z.uuid()]));
        const rows = await listAgents(deps.db, {
          status: query.status,
          limit: query.limit,
          after: after && { name: after[0], id: after[1] },
        });
        return toPage(rows, query.limit, (a) => [a.name, a.id], presentAgent);
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/agents/me',
      summary: "The calling agent's profile",
      tags,
      access: ['agent'],
      response: agentSchema,
      handler: async ({ user }) => {
        const agent = await findAgent(deps.db, caller(user).id);
        if (!agent) throw new NotFound(missingProfileDetail);
        return presentAgent(agent);
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: '/api/v1/agents/me',
      summary: 'Set your status (online: receive cases automatically; away: claim only; offline: neither)',
      tags,
      access: ['agent'],
      body: z.strictObject({ status: agentStatusSchema }),
      response: agentSchema,
      handler: async ({ body, user, req }) =>
        presentAgent(await runUseCase(deps, req, (ctx) => setOwnStatus(ctx, caller(user).id, body.status))),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/agents/:id',
      summary: 'An agent',
      tags,
      access: ['admin'],
      params: agentIdParams,
      response: agentSchema,
      handler: async ({ params }) => {
        const agent = await findAgent(deps.db, params.id);
        if (!agent) throw new NotFound(`No agent ${params.id}.`);
        return presentAgent(agent);
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: '/api/v1/agents/:id',
      summary: "Change an agent's capacity or active flag",
      tags,
      access: ['admin'],
      params: agentIdParams,
      body: z
        .strictObject({
          capacity: z.number().int().min(minCapacity).max(maxCapacity).optional(),
          active: z.boolean().optional(),
        })
        .refine((b) => b.capacity !== undefined || b.active !== undefined, {
          message: 'give capacity, active or both',
        })
        // The refine does not reach JSON Schema: document that `{}` is refused.
        .meta({ minProperties: 1 }),
      response: agentSchema,
      problems: [409],
      handler: async ({ params, body, req }) =>
        presentAgent(await runUseCase(deps, req, (ctx) => updateAgentSettings(ctx, params.id, body))),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/v1/agents/:id',
      summary: 'Remove an agent (409 while it holds open cases, unless ?reassign=true requeues them)',
      tags,
      access: ['admin'],
      params: agentIdParams,
      query: z.strictObject({ reassign: z.enum(['true', 'false']).optional() }),
      status: 204,
      problems: [409],
      handler: async ({ params, query, req }) => {
        await runUseCase(deps, req, (ctx) => removeAgent(ctx, params.id, query.reassign === 'true'));
      },
    }),
  ];
}
