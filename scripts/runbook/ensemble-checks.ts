/**
 * Checks that the two ensembles of the inventory are really two: a target list that names a
 * source server (under any spelling) would put the new root on the old ensemble and end with two
 * leaders on diverged trees. The servers answer for themselves (lib/zk/ensemble-identity.ts).
 */
import type { Check } from "../../lib/step.ts";
import { parseTreeAddress } from "../../lib/zk/address.ts";
import { compareEnsembles, describeUnproven } from "../../lib/zk/ensemble-identity.ts";
import type { MigrationContext } from "./context.ts";

/** Every source server is one ensemble, and every target server belongs to another. */
export const ensemblesAreDistinct: Check<MigrationContext> = {
  title: "The source and target lists name two different ensembles",
  observe: async (ctx) => {
    const servers = (side: "source" | "target") =>
      parseTreeAddress(ctx.inventory.zookeeper[side]).servers;
    const identity = await compareEnsembles(servers("source"), servers("target"));
    const same = identity.target.filter((t) => t.verdict === "same").map((t) => t.server);
    if (same.length > 0) {
      return {
        ok: false,
        evidence: `target server${same.length > 1 ? "s" : ""} ${same.join(", ")} belong${same.length > 1 ? "" : "s"} to the source's ensemble (${same.length > 1 ? "they know" : "it knows"} a session ${identity.probe} created)`,
      };
    }
    return identity.distinct
      ? {
          ok: true,
          evidence: `none of the ${identity.target.length} target servers knows a session of the source's ensemble (created on ${identity.probe})`,
        }
      : { ok: false, evidence: `cannot tell the ensembles apart: ${describeUnproven(identity)}` };
  },
};
