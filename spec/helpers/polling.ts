/**
 * Waiting for a state of the world outside this process (a file a command wrote, a process
 * that exited): such a state has no event to await, so it is polled. The specs wait for the
 * state, never for a time: the bound only turns a state that never comes into a failure that
 * says so.
 */

/** How often {@link waitUntil} looks again. */
const POLL_MS = 25;

/**
 * Resolves once `check` holds; fails the spec (an `expect` on `check`'s last answer) when it
 * still does not after `within` ms.
 *
 * @param check - the state waited for; may be async (a query to a server).
 * @param within - ms after which a state that never came fails the spec.
 * @default within 10,000 ms (below the CLI specs' own timeouts, so that the spec fails on this
 *   `expect`, which says what never came)
 */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  within = 10_000,
): Promise<void> {
  for (let waited = 0; waited < within; waited += POLL_MS) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  expect(await check()).toBe(true);
}
