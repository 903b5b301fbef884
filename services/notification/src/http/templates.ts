import { z } from 'zod';
import { decodeCursor, defineRoute, Invalid, NotFound, pageQuery, pageSchema, toPage } from '@helmdesk/platform';
import { isTemplateKey, templateProblems, templateVariables } from '../domain/templates';
import { listTemplates, replaceTemplate, type TemplateRow } from '../store/templates';
import type { RouteDeps } from './deps';

const admin = ['admin'] as const;

const templateView = z.object({
  key: z.string(),
  subject: z.string(),
  body: z.string(),
  /** The placeholders this template may use. */
  variables: z.array(z.string()),
  updatedAt: z.iso.datetime({ offset: true }),
});

function toView(row: TemplateRow): z.infer<typeof templateView> {
  return {
    key: row.key,
    subject: row.subject,
    body: row.body,
    variables: isTemplateKey(row.key) ? [...templateVariables[row.key]] : [],
    updatedAt: row.updated_at.toISOString(),
  };
}

const templateBody = z.strictObject({
  subject: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .refine((s) => !/[\r\n]/.test(s), 'must be one line'),
  body: z.string().min(1).max(10_000),
});

export function templateRoutes(deps: RouteDeps) {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/notification-templates',
      summary: 'List the mail templates',
      tags: ['notifications'],
      access: admin,
      query: z.strictObject({ ...pageQuery }),
      response: pageSchema(templateView),
      handler: async ({ query }) => {
        const after = query.cursor ? String(decodeCursor(query.cursor, 1)[0]) : undefined;
        const rows = await listTemplates(deps.db, after, query.limit);
        return toPage(rows, query.limit, (r) => [r.key], toView);
      },
    }),
    defineRoute({
      method: 'PUT',
      path: '/api/v1/notification-templates/:key',
      summary: 'Replace a mail template; placeholders must be ones the template knows',
      tags: ['notifications'],
      access: admin,
      params: z.object({ key: z.string().max(200) }),
      body: templateBody,
      response: templateView,
      problems: [404],
      handler: async ({ params, body }) => {
        if (!isTemplateKey(params.key)) throw new NotFound(`There is no template ${params.key}.`);
        const errors = [
          ...templateProblems(params.key, body.subject).map((p) => ({ path: 'body.subject', message: p.message })),
          ...templateProblems(params.key, body.body).map((p) => ({ path: 'body.body', message: p.message })),
        ];
        if (errors.length > 0) {
          throw new Invalid(`The template is invalid: ${errors.map((e) => `${e.path} (${e.message})`).join(', ')}`, errors);
        }
        const row = await replaceTemplate(deps.db, params.key, body);
        if (!row) throw new NotFound(`There is no template ${params.key}.`);
        return toView(row);
      },
    }),
  ];
}
