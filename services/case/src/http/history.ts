import { defineRoute, type RouteDefinition } from '@helmdesk/platform';
import { caseHistory } from '../store/history';
import { actorOf, visibleCase, type CaseRouteDeps } from './deps';
import { caseIdParams, historyResponse, historySchema } from './schemas';

export function historyRoutes({ db }: CaseRouteDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/cases/:id/history',
      summary: 'Everything that happened to a case, in order (same access as reading the case; not paged).',
      tags: ['cases'],
      access: ['customer', 'agent', 'admin'],
      params: caseIdParams,
      response: historySchema,
      problems: [404],
      handler: async ({ params, user }) => {
        const c = await visibleCase(db, actorOf(user), params.id);
        return historyResponse(await caseHistory(db, c.id));
      },
    }),
  ];
}
