import { abilityOf, authorize } from '../../access/index.js';
import type { ServiceContext } from '../../context.js';
import { afterIdCursor, type PageInput, toPage } from '../../http/pagination.js';
import { type InboundResult, receiveEmail } from './pipeline.js';
import * as repo from './repo.js';
import { type InboundEmail, toInboundEmail } from './schemas.js';

/** POST /inbound/email: admins (and keys with `inbound:write`) hand in one raw message. */
export async function post(ctx: ServiceContext, raw: () => Promise<Uint8Array>): Promise<InboundEmail> {
  authorize(abilityOf(ctx), 'create', 'InboundEmail');
  const result: InboundResult = await receiveEmail(ctx, await raw(), { from: null, to: [] }, 'http');
  const [row] = await repo.listInbound(ctx.db, result.id + 1, 1);
  if (!row || row.id !== result.id) throw new Error(`inbound email ${result.id} not found after recording`);
  return toInboundEmail(row);
}

/** GET /inbound/emails: the inbound log, newest first (admins). */
export async function list(ctx: ServiceContext, page: PageInput) {
  authorize(abilityOf(ctx), 'read', 'InboundEmail');
  const rows = await repo.listInbound(ctx.db, afterIdCursor(page.cursor), page.limit + 1);
  return toPage(rows, page.limit, (r) => [r.id], toInboundEmail);
}
