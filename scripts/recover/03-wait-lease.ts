/**
 * Recover method, step 3. Upstream: "Wait until every replica server goes INACTIVE after its
 * beacon times out" — the page says about 30 s and the upstream script sleeps 15 s, but the real
 * trigger is the failure-detector lease (reference §9.1): `fd_lease_seconds +
 * fd_check_interval_seconds` from the config, plus a margin, counted from the moment the last meta
 * was confirmed stopped (journaled, so a resumed run waits only what remains). While every meta is
 * down the shell cannot reach the replicas' state (it asks the meta), so the lease is the
 * observation; `plan` prints the wait.
 */
import { formatMs } from "../../lib/duration.ts";
import { type Step, waitUntil } from "../../lib/step.ts";
import type { MigrationContext } from "../runbook/context.ts";
import { runAlone } from "../runbook/execute.ts";
import { leaseWait } from "../runbook/fd-lease.ts";
import { everyMetaStopped, leaseHasPassed } from "../runbook/recover-checks.ts";
import { recoverFacts } from "../runbook/recover-facts.ts";

const waitLease: Step<MigrationContext> = {
  id: "recover/03-wait-lease",
  title: "Wait out the failure-detector lease: every replica INACTIVE",
  preconditions: [everyMetaStopped],
  run: async (ctx) => {
    const wait = await leaseWait(ctx);
    if (!ctx.dryRun) ctx.journal.setFact(recoverFacts.leaseWait, wait);
    ctx.log({ kind: "info", message: `  lease wait ${formatMs(wait.ms)} = ${wait.how}` });
    await waitUntil(
      ctx,
      () => leaseHasPassed.observe(ctx),
      wait.ms + ctx.inventory.timeouts.commandMs,
      `${formatMs(wait.ms)} have passed since the last meta stopped`,
    );
  },
  postconditions: [leaseHasPassed],
};

export default waitLease;
if (import.meta.main) await runAlone(waitLease, "recover");
