/**
 * A simulated meta server process: `bun tests/sandbox/cli.ts run-meta --config FILE --pegasus V`.
 * Reads its `config.ini` once, connects to `[zookeeper] hosts_list`, creates the cluster root
 * and the lock directory, waits for the leader lock, then (as leader) loads the tree once and
 * either serves, creates the default tables (empty tree), waits in recovery mode (empty tree and
 * `recover_from_replica_server = true`) or aborts (tables and the flag). Exits 0 when its
 * ZooKeeper session expires, as upstream's `dsn_exit(0)`; on SIGTERM it exits without closing
 * its session, so its lock node lingers until the session times out.
 */
import { type PegasusVersion, pegasusVersionStrings } from "../encoding.ts";
import { hostNamer } from "../host-names.ts";
import { exitWithOwner } from "../owner.ts";
import { RdsnConfigError } from "../rdsn-ini.ts";
import { crash, localTime, log, setLogRole } from "../rdsn-log.ts";
import { createPathComponents, openSession } from "../zk.ts";
import { acquireLeaderLock, leaderLockId } from "./election.ts";
import { type MetaOptions, rank, readMetaOptions } from "./options.ts";
import { type Leadership, metaHandler } from "./service.ts";
import { MetaState } from "./state.ts";
import { createDefaultApps, loadTree } from "./tree.ts";

/** Cure and deferred-write rounds (upstream uses its own timers; these keep the sandbox quick). */
const cureIntervalMs = 500;
const deferredRetryMs = 1000;

/** Runs a meta server until it exits. */
export async function runMeta(
  configFile: string,
  version: PegasusVersion,
  hostNames = false,
): Promise<void> {
  setLogRole("meta");
  exitWithOwner();
  let options: MetaOptions;
  try {
    options = readMetaOptions(configFile);
  } catch (error) {
    if (!(error instanceof RdsnConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  log(
    "I",
    "meta_service.cpp:180:start",
    `meta server ${options.address} starting, zookeeper ${options.zookeeperHosts}, cluster_root ${options.clusterRoot}`,
  );
  const zk = openSession(options.zookeeperHosts, options.zookeeperTimeoutMs);
  zk.onExpired(() => {
    log(
      "W",
      "meta_server_failure_detector.cpp:92:on_expire",
      "zookeeper session expired, exit now",
    );
    process.exit(0);
  });
  const name = await hostNamer(hostNames && version === "2.6");
  /** What this meta calls itself: its lock node data and `primary_meta_server`. */
  const self = name(options.address);
  const state = new MetaState(options, zk, version, name);
  const leadership: Leadership = { isLeader: false, primary: null };
  Bun.serve({
    hostname: "127.0.0.1",
    port: options.port,
    fetch: metaHandler(state, leadership, {
      version: pegasusVersionStrings[version],
      startTime: localTime(new Date()),
    }),
  });
  // Like the real process, a stopped meta does not close its ZooKeeper session: its lock node
  // stays until the session times out, and followers take over only then.
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => process.exit(0));
  const timeout = setTimeout(() => {
    log(
      "E",
      "meta_service.cpp:98:remote_storage_initialize",
      "init meta_state_service failed, err = ERR_TIMEOUT",
    );
    crash("tool_api.cpp:61:exec", "start app failed, err = ERR_TIMEOUT", "err == ERR_OK");
  }, options.zookeeperTimeoutMs);
  await zk.connected;
  clearTimeout(timeout);

  await createPathComponents(zk, options.clusterRoot);
  await createPathComponents(zk, options.lockRoot);
  const lockDir = `${options.lockRoot.replace(/\/+$/, "")}/${leaderLockId}`;
  await zk.createIfMissing(lockDir, "");
  await acquireLeaderLock(zk, lockDir, self, {
    onOwner: (owner) => {
      leadership.primary = owner;
    },
    onLostLock: () => process.exit(0),
  });
  leadership.isLeader = true;
  leadership.primary = self;

  const found = await loadTree(state);
  if (found && options.recoverFromReplicaServer) {
    crash(
      "server_state.cpp:821:initialize_data_structure",
      "find apps from remote storage, but [meta_server].recover_from_replica_server = true",
    );
  }
  if (!found && options.recoverFromReplicaServer) {
    log(
      "I",
      "meta_service.cpp:457:start",
      "can't find apps from remote storage, and [meta_server].recover_from_replica_server = true, administrator should recover this cluster manually later",
    );
    state.recovering = true;
    if (rank(state.level) > rank("steady")) state.level = "steady";
  } else {
    if (!found) await createDefaultApps(state);
    state.initializeNodeState();
    await state.startService();
    if (found) state.reconcileDropFlags();
  }
  log("I", "meta_service.cpp:520:start", `meta server ${options.address} serves as the primary`);
  setInterval(() => state.checkNodes(), options.fdCheckIntervalMs);
  setInterval(() => state.cureRound(), cureIntervalMs);
  setInterval(() => state.flushPending(), deferredRetryMs);
}
