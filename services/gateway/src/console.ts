import { existsSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import express, { type RequestHandler } from 'express';
import { apiPrefixes } from '@helmdesk/contracts';
import { NotFound } from '@helmdesk/platform';

/**
 * The web console (API.md): its assets by path, and its page for any other GET that accepts
 * HTML. Paths under the API's prefixes never get HTML; everything else nobody owns is a 404
 * problem, so API clients never receive a page.
 */
export function consoleHandler(dir: string): RequestHandler {
  const root = resolve(dir);
  const index = resolve(root, 'index.html');
  const present = () => existsSync(index) && statSync(index).isFile();
  const assets = express.static(root, {
    index: false,
    fallthrough: true,
    redirect: false,
    setHeaders(res, path) {
      // Vite's hashed assets never change; everything else is revalidated.
      res.setHeader('cache-control', path.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  return (req, res, next) => {
    const apiPath = apiPrefixes.some((p) => req.path === p.replace(/\/$/, '') || req.path.startsWith(p));
    if (apiPath || (req.method !== 'GET' && req.method !== 'HEAD') || !present()) {
      return next(new NotFound(`No route matches ${req.method} ${req.path}.`));
    }
    req.routeTemplate = 'console';
    assets(req, res, () => {
      if (req.accepts(['text/html', 'application/json']) === 'text/html' && String(req.headers.accept ?? '').includes('text/html')) {
        res.setHeader('cache-control', 'no-cache');
        return res.sendFile(index);
      }
      next(new NotFound(`No route matches ${req.method} ${req.path}.`));
    });
  };
}
