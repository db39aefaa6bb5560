/** Waiting on a condition with a deadline that names what was awaited. */

/**
 * Polls `predicate` every `stepMs` until it returns a truthy value, which is returned.
 * @throws {Error} `Timed out after N ms waiting for <what>` (with the last observation).
 * @example const task = await waitFor(() => sandbox.leader(), 10_000, "a leader");
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  timeoutMs: number,
  what: string,
  stepMs = 50,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await predicate();
    if (last) return last as NonNullable<T>;
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`,
      );
    }
    await Bun.sleep(stepMs);
  }
}
