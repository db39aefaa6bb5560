/**
 * Copy method, step 8. Upstream: "Use the rmr command of the zookeepercli tool to clean up data on
 * old Zookeepers." The guarded clean-up shared with the recover method (`runbook/clean-old-zk.ts`):
 * only on explicit request, with the new cluster healthy and no lock node left on the old
 * ensemble, after a final snapshot, deleting at the snapshot's versions.
 */
import { cleanOldZkStep } from "../runbook/clean-old-zk.ts";
import { runAlone } from "../runbook/execute.ts";

const cleanOldZk = cleanOldZkStep("copy/08-clean-old-zk");

export default cleanOldZk;
if (import.meta.main) await runAlone(cleanOldZk, "copy");
