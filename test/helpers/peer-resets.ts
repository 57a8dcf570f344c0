/**
 * Vitest's `onUnhandledError`: a peer resetting a socket that a library in the test process owns without
 * an `'error'` listener (Miniflare's Hyperdrive proxy when workerd drops a connection; a sink's socket
 * when the fault suite kills the Node process mid-session) surfaces as an uncaught `read ECONNRESET`.
 * That is the fault being injected or torn down, not a failed behaviour: every test still asserts what it
 * must. Only that exact error is ignored; anything else still fails the run.
 */
export function ignorePeerResets(error: object): boolean | undefined {
  const { code, syscall } = error as { code?: unknown; syscall?: unknown };
  if (code === 'ECONNRESET' && syscall === 'read') return false;
  return undefined;
}
