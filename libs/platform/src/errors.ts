/**
 * The one error family of Helmdesk. Handlers throw these; one mapper turns them into
 * RFC 9457 problem+json (http/problem.ts). Anything else becomes a 500 without details.
 */
export interface FieldIssue {
  path: string;
  message: string;
}

export abstract class HttpError extends Error {
  abstract readonly status: number;
  abstract readonly title: string;
  /** A stable URI naming the problem type. */
  get type(): string {
    return `https://helmdesk.dev/problems/${this.slug}`;
  }
  protected abstract readonly slug: string;
  readonly headers: Record<string, string> = {};
  constructor(
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = new.target.name;
  }
}

export class Invalid extends HttpError {
  readonly status = 400;
  readonly title = 'Invalid request';
  protected readonly slug = 'invalid-request';
  constructor(detail: string, readonly errors: FieldIssue[] = []) {
    super(detail, { errors });
  }
}

export class Unauthorized extends HttpError {
  readonly status = 401;
  readonly title = 'Unauthorized';
  protected readonly slug = 'unauthorized';
}

export class Forbidden extends HttpError {
  readonly status = 403;
  readonly title = 'Forbidden';
  protected readonly slug = 'forbidden';
}

export class NotFound extends HttpError {
  readonly status = 404;
  readonly title = 'Not found';
  protected readonly slug = 'not-found';
}

export class MethodNotAllowed extends HttpError {
  readonly status = 405;
  readonly title = 'Method not allowed';
  protected readonly slug = 'method-not-allowed';
  constructor(detail: string, allow: string[]) {
    super(detail);
    this.headers.allow = allow.join(', ');
  }
}

export class Conflict extends HttpError {
  readonly status = 409;
  readonly title = 'Conflict';
  protected readonly slug = 'conflict';
}

export class PayloadTooLarge extends HttpError {
  readonly status = 413;
  readonly title = 'Payload too large';
  protected readonly slug = 'payload-too-large';
}

export class UnsupportedMediaType extends HttpError {
  readonly status = 415;
  readonly title = 'Unsupported media type';
  protected readonly slug = 'unsupported-media-type';
}

export class Unprocessable extends HttpError {
  readonly status = 422;
  readonly title = 'Unprocessable request';
  protected readonly slug = 'unprocessable';
}

export class TooManyRequests extends HttpError {
  readonly status = 429;
  readonly title = 'Too many requests';
  protected readonly slug = 'too-many-requests';
  constructor(detail: string, retryAfterSeconds: number) {
    super(detail);
    this.headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfterSeconds)));
  }
}

export class ServiceUnavailable extends HttpError {
  readonly status = 503;
  readonly title = 'Service unavailable';
  protected readonly slug = 'service-unavailable';
}

export class GatewayTimeout extends HttpError {
  readonly status = 504;
  readonly title = 'Gateway timeout';
  protected readonly slug = 'gateway-timeout';
}
