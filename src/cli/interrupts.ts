/**
 * The signals that ask the CLI to stop: Ctrl-C, a service manager's stop, and the terminal
 * going away (SIGHUP: the window closed, the SSH connection dropped). Node resets SIGHUP's
 * disposition when it starts, so `nohup` never shielded a Node process from it: left unhandled,
 * a hangup would kill the CLI on the spot, with entries still taken and commands still running.
 */
export const INTERRUPT_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Listens for Ctrl-C (SIGINT), SIGTERM and SIGHUP: the first one calls `first` (a graceful stop),
 * every later SIGINT or SIGTERM calls `again` (abort at once). A later SIGHUP calls nothing: a
 * terminal that closes can deliver it twice (the kernel's to the foreground process group, then
 * one from a shell that resends it to its jobs, or from a wrapper that forwards it), and the
 * second is an echo of the first, not someone asking again. While listening, these signals no
 * longer end the process by themselves.
 *
 * @param first - called on the first signal, with its name.
 * @param again - called on each later SIGINT or SIGTERM, with its name.
 * @returns a function that stops listening.
 *
 * @example
 * ```ts
 * const stopListening = onInterrupts(
 *   () => stop$.next(), // in-flight work finishes
 *   () => abortController.abort(), // no more waiting
 * );
 * // ... when the run is over:
 * stopListening();
 * ```
 */
export function onInterrupts(
  first: (signal: NodeJS.Signals) => void,
  again: (signal: NodeJS.Signals) => void,
): () => void {
  let count = 0;
  const listener = (signal: NodeJS.Signals): void => {
    if (count > 0 && signal === 'SIGHUP') return;
    count++;
    if (count === 1) first(signal);
    else again(signal);
  };
  for (const signal of INTERRUPT_SIGNALS) process.on(signal, listener);
  return () => {
    for (const signal of INTERRUPT_SIGNALS) process.off(signal, listener);
  };
}
