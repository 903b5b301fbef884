import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { HttpMethod, Role, RouteAccess } from '@helmdesk/contracts';
import type { Logger } from '../logger';

/** The caller, as proven by a verified access token. */
export interface AuthUser {
  id: string;
  role: Role;
  tokenId: string;
}

export interface RouteContext<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  /** Null only on public routes called without a token. */
  user: AuthUser | null;
  req: Request;
  res: Response;
  log: Logger;
}

/** A response with a status or headers other than the route's defaults. */
export class Reply {
  constructor(
    readonly status: number,
    readonly body?: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

type Infer<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteDefinition<
  B extends z.ZodType | undefined = z.ZodType | undefined,
  Q extends z.ZodType | undefined = z.ZodType | undefined,
  P extends z.ZodType | undefined = z.ZodType | undefined,
> {
  method: HttpMethod;
  path: string;
  summary: string;
  tags?: string[];
  access: RouteAccess;
  body?: B;
  query?: Q;
  params?: P;
  /** Default success status (200; 201 for creates; 204 when the handler returns nothing). */
  status?: number;
  /** Success response body schema, for the OpenAPI document. */
  response?: z.ZodType;
  /** Other documented statuses besides the success one (400/401/403/404… are documented as problems). */
  problems?: number[];
  /** Honour the `Idempotency-Key` header (POSTs that create something). */
  idempotent?: boolean;
  handler: (ctx: RouteContext<Infer<B>, Infer<Q>, Infer<P>>) => Promise<unknown>;
}

/** Declares a route; the identity function exists so TypeScript infers the handler's types. */
export function defineRoute<
  B extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  P extends z.ZodType | undefined = undefined,
>(def: RouteDefinition<B, Q, P>): RouteDefinition {
  return def as unknown as RouteDefinition;
}
