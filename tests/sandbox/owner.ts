/**
 * Sandbox processes started for a test name the test runner as their owner
 * (`PZM_SANDBOX_OWNER=<pid>`) and exit when it is gone, so a crashed test run leaves nothing
 * behind. Processes of a sandbox started by the CLI have no owner and live until `down`.
 */

/** Exits this process soon after its owner process disappears. */
export function exitWithOwner(): void {
  const owner = Number(process.env.PZM_SANDBOX_OWNER);
  if (!Number.isInteger(owner) || owner <= 0) return;
  setInterval(() => {
    try {
      process.kill(owner, 0);
    } catch {
      process.exit(0);
    }
  }, 500).unref();
}
