/**
 * Recover method, step 11 (optional). Upstream's page leaves the old tree alone; deleting it is the
 * same guarded, explicit step as the copy method's (`runbook/clean-old-zk.ts`): only with
 * `--clean-old` or this step alone, with the new cluster healthy and no lock node left on the old
 * ensemble, after a final snapshot, deleting at the snapshot's versions.
 */
import { cleanOldZkStep } from "../runbook/clean-old-zk.ts";
import { runAlone } from "../runbook/execute.ts";

const cleanOldZk = cleanOldZkStep("recover/11-clean-old-zk");

export default cleanOldZk;
if (import.meta.main) await runAlone(cleanOldZk, "recover");
