import express, { type NextFunction, type Request, type Response } from 'express';
import { Invalid, PayloadTooLarge, UnsupportedMediaType } from '../errors';

export const defaultBodyLimit = '1mb';

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return Number(length) > 0;
  return req.headers['transfer-encoding'] !== undefined;
}

function isJson(req: Request): boolean {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

/**
 * Reads a JSON body: 415 when a body is not JSON, 413 past the limit, 400 when it does not
 * parse. A request without a body leaves `req.body` undefined.
 */
export function jsonBodyReader(limit: string | number = defaultBodyLimit) {
  const parse = express.json({ limit, strict: false, type: () => true });
  return (req: Request, res: Response): Promise<void> => {
    if (!hasBody(req)) {
      req.body = undefined;
      return Promise.resolve();
    }
    if (!isJson(req)) {
      return Promise.reject(
        new UnsupportedMediaType('Request bodies must be JSON (Content-Type: application/json).'),
      );
    }
    return new Promise((resolve, reject) => {
      const next: NextFunction = (err?: unknown) => {
        if (!err) return resolve();
        const e = err as { type?: string; status?: number };
        if (e.type === 'entity.too.large' || e.status === 413) {
          reject(new PayloadTooLarge(`The request body is larger than ${String(limit)}.`));
        } else if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
          reject(new UnsupportedMediaType('The request body encoding is not supported.'));
        } else {
          reject(new Invalid('The request body is not valid JSON.'));
        }
      };
      parse(req, res, next);
    });
  };
}
