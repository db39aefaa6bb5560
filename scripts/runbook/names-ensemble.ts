/** Whether a `zookeeper_hosts` the shell printed is one of the migration's two ensembles. */
import { HostIdentities } from "../../lib/shell/index.ts";
import type { MigrationContext } from "./context.ts";

/**
 * True when `hosts` (as `cluster_info` prints it: verbatim, names or IPs, any order) is the
 * inventory's `side` ensemble — compared by resolved identity, never by string.
 * @example await namesEnsemble(ctx, info.zookeeperHosts, "source")
 */
export async function namesEnsemble(
  ctx: MigrationContext,
  hosts: string,
  side: "source" | "target",
): Promise<boolean> {
  const expected = ctx.inventory.zookeeper[side];
  return (await HostIdentities.resolve([hosts, expected])).sameEnsemble(hosts, expected);
}
