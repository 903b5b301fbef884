import { z } from 'zod';
import { defineRoute, pageQuery, pageSchema, toPage, type RouteDefinition } from '@helmdesk/platform';
import { listQueue } from '../store/cases';
import { claimCase, claimNext } from '../use-cases/claim-case/claim-case';
import { caller } from './caller';
import { readCursor } from '@helmdesk/platform';
import { runUseCase, type HttpDeps } from './deps';
import { assignmentSchema, presentAssignment, presentQueueEntry, queueItemSchema } from './representations';

const tags = ['queue'];

export function queueRoutes(deps: HttpDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/queue',
      summary: 'The waiting cases in the order they will be taken (position 1 is next)',
      tags,
      access: ['agent', 'admin'],
      query: z.strictObject({ ...pageQuery }),
      response: pageSchema(queueItemSchema),
      handler: async ({ query }) => {
        const after = readCursor(query.cursor, z.tuple([z.number().int().min(1).max(4), z.iso.datetime(), z.uuid()]));
        const rows = await listQueue(deps.db, {
          limit: query.limit,
          after: after && { priorityRank: after[0], queuedAt: new Date(after[1]), caseId: after[2] },
        });
        return toPage(rows, query.limit, (e) => [e.priorityRank, e.queuedAt.toISOString(), e.caseId], presentQueueEntry);
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/queue/claim',
      summary: 'Claim the next waiting case (404 when none waits; 409 when full, offline or inactive)',
      tags,
      access: ['agent'],
      response: assignmentSchema,
      problems: [409],
      idempotent: true,
      handler: async ({ user, req }) =>
        presentAssignment(await runUseCase(deps, req, (ctx) => claimNext(ctx, caller(user).id))),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/queue/:caseId/claim',
      summary: 'Claim a given waiting case (409 when it no longer waits, or when full, offline or inactive)',
      tags,
      access: ['agent'],
      params: z.strictObject({ caseId: z.uuid() }),
      response: assignmentSchema,
      problems: [409],
      idempotent: true,
      handler: async ({ params, user, req }) =>
        presentAssignment(await runUseCase(deps, req, (ctx) => claimCase(ctx, caller(user).id, params.caseId))),
    }),
  ];
}
