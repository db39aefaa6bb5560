/**
 * Meta servers as the runbook sees them: which one leads (recorded once, so a resumed run keeps
 * the same answer), which follow, and idempotent stop/start that wait for the process state.
 */
import { ActionFailed } from "../../lib/errors.ts";
import type { Output } from "../../lib/hosts.ts";
import type { MetaServer } from "../../lib/inventory.ts";
import { isMetaRunning, metaStatus, startMeta, stopMeta } from "../../lib/meta-control.ts";
import { HostIdentities } from "../../lib/shell/index.ts";
import { waitUntil } from "../../lib/step.ts";
import type { Observation } from "../../lib/wait-for.ts";
import type { MigrationContext } from "./context.ts";

/**
 * The leader meta as recorded by step 1 (from `cluster_info`); asked and recorded on first use.
 * @throws {ActionFailed} If the primary meta is not one of the inventory's meta servers.
 */
export async function leaderMeta(ctx: MigrationContext): Promise<MetaServer> {
  const address = ctx.journal.fact<string>("leader");
  return address ? metaAt(ctx, address) : recordLeader(ctx);
}

/**
 * Asks `cluster_info` which meta is primary now and records it as the leader. The primary is
 * matched by resolved identity: 2.6 names it by its reverse-DNS `host:port`.
 */
export async function recordLeader(ctx: MigrationContext): Promise<MetaServer> {
  const primary = (await ctx.shell.clusterInfo()).primaryMetaServer;
  const meta = await findMeta(ctx, primary);
  ctx.journal.setFact("leader", meta.address);
  return meta;
}

/**
 * The inventory meta that `address` (as a shell or lock node printed it) names: by resolved
 * identity, so `meta1.example.com:34601` finds `10.0.0.1:34601`.
 * @throws {ActionFailed} If none does.
 */
export async function findMeta(ctx: MigrationContext, address: string): Promise<MetaServer> {
  const metas = ctx.inventory.metaServers;
  const ids = await HostIdentities.resolve([address, ...metas.map((m) => m.address)]);
  const meta = ids.find(metas, address, (m) => m.address);
  return meta ?? metaAt(ctx, address);
}

/** The meta with this RPC address. */
export function metaAt(ctx: MigrationContext, address: string): MetaServer {
  const meta = ctx.inventory.metaServers.find((m) => m.address === address);
  if (!meta) {
    throw new ActionFailed(
      `Cannot find meta ${address || "(none)"} among the inventory's meta_servers`,
      {
        hint: "meta_servers[].address must name the same process as [meta_server] server_list (an IP or a name resolving to it; the shell prints it as primary_meta_server).",
      },
    );
  }
  return meta;
}

/** Every meta except the leader. */
export async function followerMetas(ctx: MigrationContext): Promise<MetaServer[]> {
  const leader = await leaderMeta(ctx);
  return ctx.inventory.metaServers.filter((m) => m !== leader);
}

/** Stops a meta unless it is already stopped, then waits until its status says stopped. */
export function ensureMetaStopped(ctx: MigrationContext, meta: MetaServer): Promise<void> {
  return ensureMetaIs(ctx, meta, false);
}

/** Starts a meta unless it already runs, then waits until its status says running. */
export function ensureMetaStarted(ctx: MigrationContext, meta: MetaServer): Promise<void> {
  return ensureMetaIs(ctx, meta, true);
}

/** A started meta that reports stopped this long has exited: waiting longer cannot help. */
const exitedAfterMs = 3_000;

async function ensureMetaIs(
  ctx: MigrationContext,
  meta: MetaServer,
  running: boolean,
): Promise<void> {
  const { hosts, inventory } = ctx;
  if (!ctx.dryRun && (await isMetaRunning(hosts, inventory, meta)) === running) return;
  await (running ? startMeta : stopMeta)(hosts, inventory, meta);
  const wanted = running ? "running" : "stopped";
  const startReturned = Date.now();
  await waitUntil(
    ctx,
    async () => {
      const status = await metaStatus(hosts, inventory, meta);
      const exited = running && !status.running && Date.now() - startReturned >= exitedAfterMs;
      return {
        ok: status.running === running,
        evidence: `meta ${meta.address} ${status.running ? "running" : "stopped"}`,
        ...(exited ? { giveUp: new MetaExited(meta, status.output) } : {}),
      };
    },
    running ? inventory.timeouts.metaStartMs : inventory.timeouts.metaStopMs,
    `meta ${meta.address} ${wanted}`,
  );
}

/**
 * A meta that should run does not: its process exited (a config it cannot use, a crash). The
 * message quotes its status command's output, which for systemd, minos and the sandbox shows how
 * it ended and the tail of its log.
 */
export class MetaExited extends ActionFailed {
  constructor(meta: MetaServer, status: Output) {
    const said = `${status.stdout}${status.stderr}`.trimEnd().split("\n").slice(-20);
    super(
      `Meta ${meta.address} on ${meta.host} exited after it was started: \`${status.line}\` exits ${status.exitCode}${said.join("") ? `:\n  ${said.join("\n  ")}` : " and prints nothing"}`,
      {
        hint: "Its log says why (often a config value it cannot use; the original configs are in the state dir's backups/configs/). Fix that, then run again: the step starts it again. Raising timeouts will not help.",
      },
    );
  }
}

/**
 * Evidence that every meta in `metas` still runs, or a `giveUp` naming the first that exited;
 * used by long waits (health) so a dead leader fails the wait at once.
 */
export async function metasStillRunning(
  ctx: MigrationContext,
  metas: MetaServer[],
): Promise<Observation | undefined> {
  for (const meta of metas) {
    const status = await metaStatus(ctx.hosts, ctx.inventory, meta);
    if (!status.running) {
      return {
        ok: false,
        evidence: `meta ${meta.address} stopped`,
        giveUp: new MetaExited(meta, status.output),
      };
    }
  }
  return undefined;
}

/** Observes which metas run: `{ running, stopped }` by address. */
export async function metaProcesses(
  ctx: MigrationContext,
  metas: MetaServer[],
): Promise<{ running: string[]; stopped: string[] }> {
  const states = await Promise.all(
    metas.map(async (m) => [m.address, await isMetaRunning(ctx.hosts, ctx.inventory, m)] as const),
  );
  return {
    running: states.filter(([, up]) => up).map(([a]) => a),
    stopped: states.filter(([, up]) => !up).map(([a]) => a),
  };
}
