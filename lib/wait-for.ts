/**
 * Waiting on a condition with a deadline that names what we waited for. Never a bare sleep: the
 * probe is polled until it holds, and the error quotes the last evidence it saw.
 */
import { formatMs } from "./duration.ts";
import { ActionFailed } from "./errors.ts";

/** What a probe observed. */
export interface Observation {
  ok: boolean;
  /** What was seen, for the journal and for the timeout message. */
  evidence: string;
  /** Waiting longer cannot help (e.g. the process we wait for exited): fail now with this. */
  giveUp?: Error;
}

/** Options of {@link waitFor}. */
export interface WaitOptions {
  /** The condition in words, e.g. "every replica server INACTIVE". */
  what: string;
  /** Time between probes. @default 500 */
  intervalMs?: number;
  /** Called with each observation (progress lines, journal evidence). */
  onObservation?: (observation: Observation) => void;
}

/** A condition did not hold before its deadline. */
export class WaitTimedOut extends ActionFailed {
  readonly last: Observation | undefined;
  constructor(what: string, timeoutMs: number, last: Observation | undefined, cause?: unknown) {
    super(
      `Cannot continue as ${what} must hold within ${formatMs(timeoutMs)}: ${last?.evidence ?? "no observation yet"}`,
      {
        cause,
        hint: "Look at the evidence above; raise the matching timeouts.* in the inventory if the cluster is just slow.",
      },
    );
    this.last = last;
  }
}

/**
 * Polls `probe` until it reports `ok`, or throws {@link WaitTimedOut} after `timeoutMs`. A probe
 * that throws counts as "not yet" (the error is kept as the timeout's cause); one that reports
 * `giveUp` ends the wait at once with that error.
 * @example
 * await waitFor(() => replicasAre("INACTIVE"), 44_000, { what: "every replica server INACTIVE" });
 */
export async function waitFor(
  probe: () => Promise<Observation>,
  timeoutMs: number,
  options: WaitOptions,
): Promise<Observation> {
  const deadline = Date.now() + timeoutMs;
  const interval = options.intervalMs ?? 500;
  let last: Observation | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await probe();
      lastError = undefined;
      options.onObservation?.(last);
      if (last.ok) return last;
      if (last.giveUp) break;
    } catch (error) {
      lastError = error;
      last = {
        ok: false,
        evidence: error instanceof Error ? (error.message.split("\n")[0] as string) : String(error),
      };
      options.onObservation?.(last);
    }
    if (Date.now() + interval > deadline)
      throw new WaitTimedOut(options.what, timeoutMs, last, lastError);
    await Bun.sleep(interval);
  }
  throw last.giveUp;
}
