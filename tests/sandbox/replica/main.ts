/**
 * A simulated replica server process: `bun tests/sandbox/cli.ts run-replica --config FILE`.
 * Holds its replicas in `<data_dirs>/replicas.json` (a restart keeps them, loaded INACTIVE),
 * beacons its guess of the leader from `[meta_server] server_list` (following `primary`
 * hints, rotating on errors), and goes INACTIVE when no beacon was acknowledged within
 * `fd_lease_seconds` (`now + fd_check_interval - last_ack > lease`, reference §9.1). On each
 * (re)connection and every `config_sync_interval_ms` it sends a config sync; replies other than
 * ERR_OK (ERR_UNDER_RECOVERY) are ignored. It answers the meta's recovery queries with every
 * replica it knows, closed ones included.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type AppInfo, gpid, type PegasusVersion, pegasusVersionStrings } from "../encoding.ts";
import { exitWithOwner } from "../owner.ts";
import { parseRdsnIni, readValue } from "../rdsn-ini.ts";
import { localTime, log, setLogRole } from "../rdsn-log.ts";
import { type ConfigUpdate, call, type MetaReply, type ReplicaInfo, rpcRouter } from "../rpc.ts";

/** A replica on this server: what it reports, plus the table as it knows it. */
interface LocalReplica extends ReplicaInfo {
  app: AppInfo;
}

/** Runs a replica server until it is stopped. */
export function runReplica(configFile: string, version: PegasusVersion): void {
  setLogRole("replica");
  exitWithOwner();
  const config = parseRdsnIni(readFileSync(configFile, "utf8"), configFile);
  const port = Number(readValue(config, "apps.replica", "ports", "0").split(/[,\s]+/)[0]);
  const me = `127.0.0.1:${port}`;
  const metas = readValue(config, "meta_server", "server_list", "")
    .split(/[,\s]+/)
    .filter(Boolean);
  const seconds = (key: string, fallback: number) =>
    readValue(config, "replication", key, fallback) * 1000;
  const beaconMs = seconds("fd_beacon_interval_seconds", 3);
  const checkMs = seconds("fd_check_interval_seconds", 2);
  const leaseMs = seconds("fd_lease_seconds", 20);
  const syncMs = readValue(config, "replication", "config_sync_interval_ms", 30_000);
  const dataDir = readValue(config, "replication", "data_dirs", "default:./data").replace(
    /^[^:]*:/,
    "",
  );
  mkdirSync(dataDir, { recursive: true });
  const stateFile = join(dataDir, "replicas.json");

  const replicas = new Map<string, LocalReplica>();
  for (const r of loadReplicas(stateFile)) {
    replicas.set(gpid({ app_id: r.app_id, pidx: r.pidx }), {
      ...r,
      status: r.status === "PS_ERROR" ? "PS_ERROR" : "PS_INACTIVE",
    });
  }
  let guess = 0;
  let connected = false;
  let lastAckedSendMs = 0;
  let saveTimer: ReturnType<typeof setTimeout> | undefined;
  const save = () => {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(() => {
      writeFileSync(`${stateFile}.tmp`, JSON.stringify([...replicas.values()]));
      renameSync(`${stateFile}.tmp`, stateFile);
    }, 50);
  };
  const report = (): ReplicaInfo[] => [...replicas.values()].map(({ app: _app, ...info }) => info);

  const apply = ({ app, pc }: ConfigUpdate) => {
    const key = gpid(pc);
    const local = replicas.get(key);
    if (local && pc.ballot < local.ballot) return;
    const role =
      pc.primary === me ? "PS_PRIMARY" : pc.secondaries.includes(me) ? "PS_SECONDARY" : null;
    if (role) {
      const decree = Math.max(local?.last_committed_decree ?? 0, pc.last_committed_decree);
      replicas.set(key, {
        app_id: pc.app_id,
        pidx: pc.pidx,
        ballot: pc.ballot,
        status: role,
        last_committed_decree: decree,
        last_prepared_decree: decree,
        last_durable_decree: decree,
        app: { ...app, envs: local?.app.envs ?? app.envs },
      });
    } else if (local) local.status = "PS_ERROR";
    else return;
    save();
  };

  const configSync = async () => {
    const meta = metas[guess] as string;
    const reply = await call<MetaReply & { partitions: ConfigUpdate[] }>(
      meta,
      "config_sync",
      { node: me, stored_replicas: report() },
      3000,
    ).catch(() => null);
    if (reply?.err !== "ERR_OK") return;
    const served = new Set(reply.partitions.map((u) => gpid(u.pc)));
    for (const update of reply.partitions) apply(update);
    for (const [key, local] of replicas) {
      if (!served.has(key) && local.status !== "PS_ERROR") {
        local.status = "PS_ERROR";
        save();
      }
    }
  };

  const beacon = async () => {
    const meta = metas[guess] as string;
    const sentMs = Date.now();
    const ack = await call<MetaReply & { is_master: boolean }>(
      meta,
      "beacon",
      { node: me },
      beaconMs,
    ).catch(() => null);
    if (ack?.is_master) {
      lastAckedSendMs = sentMs;
      if (!connected) {
        connected = true;
        log("I", "replica_stub.cpp:1650:on_meta_server_connected", `meta server ${meta} connected`);
        void configSync();
      }
    } else if (ack?.primary && metas.includes(ack.primary)) guess = metas.indexOf(ack.primary);
    else guess = (guess + 1) % metas.length;
  };

  const checkLease = () => {
    if (!connected || Date.now() + checkMs - lastAckedSendMs <= leaseMs) return;
    connected = false;
    log(
      "W",
      "replica_stub.cpp:1689:on_meta_server_disconnected",
      "meta server disconnected, replicas go inactive",
    );
    for (const local of replicas.values()) {
      if (local.status === "PS_PRIMARY" || local.status === "PS_SECONDARY")
        local.status = "PS_INACTIVE";
    }
    save();
  };

  const startTime = localTime(new Date());
  Bun.serve({
    hostname: "127.0.0.1",
    port,
    fetch: rpcRouter(
      {
        config_proposal: (update: ConfigUpdate) => {
          // replica_stub::on_config_proposal drops proposals while the FD says disconnected.
          if (!connected) return { err: "ERR_OK" };
          apply(update);
          return { err: "ERR_OK" };
        },
        query_app_info: () => ({
          err: "ERR_OK",
          apps: [...new Map([...replicas.values()].map((r) => [r.app_id, r.app])).values()],
        }),
        query_replica_info: () => ({ err: "ERR_OK", replicas: report() }),
        server_info: () => ({
          err: "ERR_OK",
          role: "replica-server",
          version: pegasusVersionStrings[version],
          startTime,
        }),
      },
      (request) =>
        new URL(request.url).pathname === "/replica/state"
          ? Response.json({
              address: me,
              pid: process.pid,
              connected,
              meta: metas[guess],
              replicas: report(),
            })
          : new Response("not found", { status: 404 }),
    ),
  });
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => process.exit(0));
  log(
    "I",
    "replica_stub.cpp:560:initialize",
    `replica server ${me} started with ${replicas.size} replicas`,
  );
  void beacon();
  setInterval(beacon, beaconMs);
  setInterval(checkLease, checkMs);
  setInterval(() => connected && void configSync(), syncMs);
}

function loadReplicas(file: string): LocalReplica[] {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as LocalReplica[];
  } catch {
    return [];
  }
}
