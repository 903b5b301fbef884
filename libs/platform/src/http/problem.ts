import type { Request, Response } from 'express';
import { z } from 'zod';
import { HttpError, Invalid, type FieldIssue } from '../errors';
import type { Logger } from '../logger';

export const problemContentType = 'application/problem+json';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  [extension: string]: unknown;
}

/** Field issues of a zod error, with paths prefixed by where the value came from. */
export function fieldIssues(error: z.ZodError, location: 'body' | 'query' | 'params'): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    const base = [location, ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: [...base, key].join('.'),
        message: 'unknown field',
      }));
    }
    return [{ path: base.join('.'), message: issue.message }];
  });
}

export function invalidFrom(error: z.ZodError, location: 'body' | 'query' | 'params'): Invalid {
  const errors = fieldIssues(error, location);
  return new Invalid(
    `${errors.length === 1 ? 'A field is' : 'Some fields are'} invalid: ${errors
      .map((e) => `${e.path} (${e.message})`)
      .join(', ')}`,
    errors,
  );
}

export function toProblem(err: HttpError, instance?: string): Problem {
  return {
    type: err.type,
    title: err.title,
    status: err.status,
    detail: err.detail,
    ...(instance ? { instance } : {}),
    ...err.extensions,
  };
}

export function sendProblem(res: Response, err: HttpError, req?: Request): void {
  if (res.headersSent) return;
  for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value);
  res.status(err.status).type(problemContentType).send(JSON.stringify(toProblem(err, req?.originalUrl)));
}

/** The only place that turns an unexpected error into a response: a 500 with no details. */
export function sendInternalError(res: Response, err: unknown, log: Logger, req?: Request): void {
  log.error({ err }, 'unhandled error');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res
    .status(500)
    .type(problemContentType)
    .send(
      JSON.stringify({
        type: 'https://helmdesk.dev/problems/internal-error',
        title: 'Internal server error',
        status: 500,
        detail: 'An unexpected error occurred. It has been logged.',
        ...(req ? { instance: req.originalUrl } : {}),
      } satisfies Problem),
    );
}
