/**
 * How long the replica servers keep their failure-detector lease after the last meta stopped
 * (reference §9.1): `fd_lease_seconds + fd_check_interval_seconds` from the meta configs (the
 * largest over all metas; upstream's code defaults where a key is absent), or the inventory's
 * `timeouts.fd_lease`, plus a margin. Only after that are the replicas INACTIVE everywhere.
 */
import { formatMs } from "../../lib/duration.ts";
import type { MigrationContext } from "./context.ts";
import { readMetaConfig } from "./meta-configs.ts";

/**
 * Upstream defaults when a key is absent: v2.5.0 has lease 9 s, master 20 s
 * (`src/common/replication_common.cpp`, DSN_DEFINE_int32 fd_lease_seconds); take the longer.
 */
const defaultLeaseSeconds = 20;
const defaultCheckSeconds = 2;

/** The wait and how it was derived. */
export interface LeaseWait {
  ms: number;
  how: string;
}

/**
 * The wait after the last meta stopped: lease + check interval, plus max(2 s, 25 %).
 * @example (await leaseWait(ctx)).how // "fd_lease_seconds 20 + fd_check_interval_seconds 2 (meta configs) + margin 5.5 s"
 */
export async function leaseWait(ctx: MigrationContext): Promise<LeaseWait> {
  let leaseMs: number;
  let source: string;
  const configured = ctx.inventory.timeouts.fdLeaseMs;
  if (configured === "auto") {
    const files = await Promise.all(ctx.inventory.metaServers.map((m) => readMetaConfig(ctx, m)));
    const lease = Math.max(...files.map((f) => f.settings.fdLeaseSeconds ?? defaultLeaseSeconds));
    const check = Math.max(
      ...files.map((f) => f.settings.fdCheckIntervalSeconds ?? defaultCheckSeconds),
    );
    leaseMs = (lease + check) * 1000;
    source = `fd_lease_seconds ${lease} + fd_check_interval_seconds ${check} (meta configs)`;
  } else {
    leaseMs = configured;
    source = `timeouts.fd_lease ${formatMs(configured)} (inventory)`;
  }
  const margin = Math.max(2000, Math.round(leaseMs / 4));
  return { ms: leaseMs + margin, how: `${source} + margin ${formatMs(margin)}` };
}
