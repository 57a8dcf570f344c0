// Idempotency-Key for authenticated POSTs (README, "Idempotency"): the authenticator wrapper createApp
// installs, the header's name for the OpenAPI document, and the housekeeping sweep.
export { IDEMPOTENCY_HEADER, idempotency, withIdempotency } from './middleware.js';
export { startIdempotencySweepLoop, sweepIdempotencyKeys } from './sweep.js';
