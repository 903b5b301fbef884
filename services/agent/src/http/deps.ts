import type { Request } from 'express';
import type { Outbox } from '@helmdesk/platform';
import type { AgentDb } from '../store/schema';
import { inTransaction } from '../store/transaction';
import { txContext, type TxContext } from '../use-cases/tx-context';

export interface HttpDeps {
  db: AgentDb;
  outbox: Outbox;
}

/** Runs a use case in its own transaction; the events it publishes continue the request's trace. */
export function runUseCase<T>(deps: HttpDeps, req: Request, work: (ctx: TxContext) => Promise<T>): Promise<T> {
  const traceparent = typeof req.headers.traceparent === 'string' ? req.headers.traceparent : undefined;
  return inTransaction(deps.db, (trx) => work(txContext(trx, deps.outbox, traceparent)));
}
