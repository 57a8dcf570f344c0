import type { Config } from '../../config.js';
import { systemContext } from '../../context.js';
import type { Database } from '../../database.js';
import type { Clock } from '../../deps.js';
import type { Logger } from '../../logger.js';
import { inlineHasher, type PasswordHasher } from '../../passwords.js';
import type { StorageDriver } from '../../storage/index.js';
import { type Envelope, type InboundResult, type InboundSource, receiveEmail } from './pipeline.js';

/** What a door outside HTTP (the SMTP listener, the Worker's `email()`) needs to run the pipeline. */
export interface InboundDoorDeps {
  database: Database;
  clock: Clock;
  config: Config;
  logger: Logger;
  passwords?: PasswordHasher;
  /** Where the mail's attachments go; without it they are not kept (named in the inbound log). */
  storage?: StorageDriver | undefined;
}

/**
 * Runs one mail through the pipeline on its own database handle, as the system's `inbound_email` job
 * (the sender's own actions are taken as the sender inside the pipeline). Throws only when the mail
 * could not be judged at all (the database is down): the door then answers with a temporary failure.
 */
export function receiveAtDoor(
  deps: InboundDoorDeps,
  raw: Uint8Array,
  envelope: Envelope,
  source: InboundSource,
  client: { ip: string | null } = { ip: null },
): Promise<InboundResult> {
  return deps.database.use((db) => {
    const ctx = systemContext(
      {
        db,
        clock: deps.clock,
        config: deps.config,
        log: deps.logger,
        passwords: deps.passwords ?? inlineHasher,
        ...(deps.storage ? { storage: deps.storage } : {}),
      },
      'inbound_email',
    );
    return receiveEmail({ ...ctx, client: { ip: client.ip, userAgent: null } }, raw, envelope, source);
  });
}
