import { z } from 'zod';
import { defineRoute, Forbidden, pageQuery, pageSchema, toPage, type RouteDefinition } from '@helmdesk/platform';
import { listAssignments } from '../store/assignments';
import { resolveCase } from '../use-cases/resolve-case/resolve-case';
import { caller } from './caller';
import { readCursor } from '@helmdesk/platform';
import { runUseCase, type HttpDeps } from './deps';
import { assignmentSchema, presentAssignment } from './representations';

const tags = ['assignments'];

export function assignmentRoutes(deps: HttpDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/assignments',
      summary: 'Assignments, newest first (an agent sees its own; an admin all, or one agent with ?agentId=)',
      tags,
      access: ['agent', 'admin'],
      query: z.strictObject({
        agentId: z
          .uuid()
          .optional()
          .describe("Admin: one agent's assignments. An agent may give only its own id (403 for another's)."),
        state: z.enum(['active', 'resolved']).optional(),
        ...pageQuery,
      }),
      response: pageSchema(assignmentSchema),
      handler: async ({ query, user }) => {
        const me = caller(user);
        if (me.role === 'agent' && query.agentId !== undefined && query.agentId !== me.id) {
          throw new Forbidden("An agent lists only its own assignments; leave out agentId or give your own id.");
        }
        const after = readCursor(query.cursor, z.tuple([z.iso.datetime(), z.number().int().min(1)]));
        const rows = await listAssignments(deps.db, {
          agentId: me.role === 'agent' ? me.id : query.agentId,
          state: query.state,
          limit: query.limit,
          after: after && { assignedAt: new Date(after[0]), id: after[1] },
        });
        return toPage(rows, query.limit, (a) => [a.assignedAt.toISOString(), a.id], presentAssignment);
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/assignments/:caseId/resolve',
      summary: 'Resolve your case (another agent’s → 404; already resolved → 409)',
      tags,
      access: ['agent'],
      params: z.strictObject({ caseId: z.uuid() }),
      body: z.strictObject({ resolution: z.string().max(10_000).optional() }).optional(),
      response: assignmentSchema,
      problems: [409],
      handler: async ({ params, body, user, req }) =>
        presentAssignment(
          await runUseCase(deps, req, (ctx) => resolveCase(ctx, caller(user).id, params.caseId, body?.resolution ?? null)),
        ),
    }),
  ];
}
