/**
 * A sandbox directory: `sandbox.json` (ports, paths, version; what `down`, `status` and the
 * start/stop commands read), one upstream-format `config.ini` per meta (`metaN/`) and replica
 * server (`replicaN/`), the `run.sh` stand-in that starts the simulated shell, and the
 * `inventory.yaml` an operator (or a test) points the tool at.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import type { PegasusVersion } from "./encoding.ts";

/** Failure-detector timing of the sandbox (seconds, as in `[replication]`). Short on purpose. */
export const sandboxFd = { beacon: 1, check: 1, lease: 4, grace: 5 } as const;

/**
 * Upstream's failure-detector defaults (src/common/replication_common.cpp `fd_*_seconds`), for a
 * large tree: there the leader's event loop can pause for seconds at a config sync, and with the
 * short timing every replica server then counts as dead and its 154k replicas are re-assigned.
 */
const upstreamFd = { beacon: 3, check: 2, lease: 20, grace: 22 } as const;

/** Everything about a sandbox that outlives the command that created it. */
export interface SandboxLayout {
  dir: string;
  version: PegasusVersion;
  /** 2.6 host-name mode (see `host-names.ts`); absent when off. */
  hostNames?: boolean;
  cluster: string;
  root: string;
  /** Absolute paths, so commands work under a bare environment. */
  bun: string;
  cli: string;
  /** Processes exit when this pid is gone (tests); null for a CLI sandbox. */
  owner: number | null;
  zookeepers: Record<"old" | "new", { port: number; dir: string | null }>;
  metas: { task: number; port: number; address: string; dir: string; config: string }[];
  /**
   * A tree of more than 50k partitions (257k znodes at most): `config_sync_interval_ms` is
   * upstream's default 30000 instead of 5000, as each sync carries every replica a server holds
   * (154k at 257k znodes), the inventory's waits are long enough for a meta to load it, and
   * the metas' ZooKeeper sessions last 10 s instead of 3 s (upstream: 30 s): on 2 cores at load
   * 25 the leader, the only process with work proportional to the tree, is not scheduled often
   * enough to hold a 3 s session.
   */
  large?: boolean;
  replicas: { index: number; port: number; address: string; dir: string; config: string }[];
}

/** The sandbox's own CLI, which every start/stop command calls. */
export const cliPath = resolve(import.meta.dir, "cli.ts");

/**
 * Reads `DIR/sandbox.json`.
 * @throws {Error} When DIR holds no sandbox.
 */
export function readLayout(dir: string): SandboxLayout {
  const file = join(resolve(dir), "sandbox.json");
  try {
    return JSON.parse(readFileSync(file, "utf8")) as SandboxLayout;
  } catch {
    throw new Error(
      `Cannot use sandbox ${dir} as ${file} is missing or unreadable: run \`up --dir ${dir}\` first`,
    );
  }
}

/** Writes the whole directory: state file, configs, run.sh and inventory. */
export function writeLayout(layout: SandboxLayout): string {
  mkdirSync(layout.dir, { recursive: true });
  writeFileSync(join(layout.dir, "sandbox.json"), `${JSON.stringify(layout, null, 2)}\n`);
  const metaList = layout.metas.map((m) => m.address).join(",");
  for (const meta of layout.metas) {
    mkdirSync(meta.dir, { recursive: true });
    writeFileSync(meta.config, metaConfig(layout, meta.port, metaList));
  }
  for (const replica of layout.replicas) {
    mkdirSync(join(replica.dir, "data"), { recursive: true });
    writeFileSync(
      replica.config,
      replicaConfig(layout, replica.port, metaList, join(replica.dir, "data")),
    );
  }
  const runSh = join(layout.dir, "run.sh");
  writeFileSync(
    runSh,
    [
      "#!/bin/sh",
      "# Stand-in for Pegasus' ./run.sh in the sandbox: only `./run.sh shell …` exists.",
      'cd "$(dirname "$0")" || exit 1',
      'if [ "$1" != shell ]; then echo "ERROR: the sandbox run.sh only supports: shell" >&2; exit 1; fi',
      "shift",
      `exec ${quote(layout.bun)} ${quote(layout.cli)} shell --pegasus ${layout.version} "$@"`,
      "",
    ].join("\n"),
  );
  chmodSync(runSh, 0o755);
  const inventory = join(layout.dir, "inventory.yaml");
  writeFileSync(inventory, inventoryText(layout));
  return inventory;
}

function metaConfig(layout: SandboxLayout, port: number, metaList: string): string {
  return `; A simulated Pegasus meta server of the sandbox; keys and layout as src/server/config.ini.
[apps.meta]
  type = meta
  ports = ${port}

[meta_server]
  server_list = ${metaList}
  cluster_root = ${layout.root}
  distributed_lock_service_type = distributed_lock_service_zookeeper
  distributed_lock_service_parameters = ${layout.root}/lock
  meta_state_service_type = meta_state_service_zookeeper
  meta_state_service_parameters =
  meta_function_level_on_start = steady
  recover_from_replica_server = false
  cold_backup_disabled = false
  node_live_percentage_threshold_for_update = 50
  min_live_node_count_for_unfreeze = 3
  replica_assign_delay_ms_for_dropouts = 10000

[meta_server.apps.stat]
  app_name = stat
  app_type = pegasus
  partition_count = 4
  max_replica_count = 3

${replicationSection(layout)}
[zookeeper]
  hosts_list = 127.0.0.1:${layout.zookeepers.old.port}
  timeout_ms = ${layout.large ? 10_000 : 3000}
  logfile = zoo.log

[pegasus.clusters]
  ${layout.cluster} = ${metaList}
`;
}

function replicaConfig(
  layout: SandboxLayout,
  port: number,
  metaList: string,
  data: string,
): string {
  return `; A simulated Pegasus replica server of the sandbox.
[apps.replica]
  type = replica
  ports = ${port}

[meta_server]
  server_list = ${metaList}

${replicationSection(layout)}  data_dirs = default:${data}
`;
}

function replicationSection(layout: SandboxLayout): string {
  const fd = layout.large ? upstreamFd : sandboxFd;
  return `[replication]
  cluster_name = ${layout.cluster}
  config_sync_interval_ms = ${layout.large ? 30_000 : 5000}
  fd_check_interval_seconds = ${fd.check}
  fd_beacon_interval_seconds = ${fd.beacon}
  fd_lease_seconds = ${fd.lease}
  fd_grace_seconds = ${fd.grace}
`;
}

function inventoryText(layout: SandboxLayout): string {
  const control = (verb: string) => [
    layout.bun,
    layout.cli,
    verb,
    "--dir",
    layout.dir,
    "--task",
    "{task}",
  ];
  const inventory = {
    cluster: layout.cluster,
    zookeeper: {
      root: layout.root,
      source: `127.0.0.1:${layout.zookeepers.old.port}`,
      target: `127.0.0.1:${layout.zookeepers.new.port}`,
      // The tool's default; 4 s keeps small sandboxes quick but expired under load at 25.7k znodes.
      session_timeout: layout.large ? "10s" : "4s",
    },
    meta_servers: layout.metas.map((m) => ({
      address: m.address,
      host: "local",
      config: m.config,
      task: m.task,
    })),
    replica_servers: layout.replicas.map((r) => r.address),
    shell: {
      host: "local",
      cwd: layout.dir,
      command: [join(layout.dir, "run.sh"), "shell", "--cluster", "{meta_list}"],
      version: layout.version,
    },
    meta_control: {
      kind: "custom",
      start: control("start-meta"),
      stop: control("stop-meta"),
      status: control("status-meta"),
    },
    timeouts: {
      command: "30s",
      shell: "60s",
      // The simulated meta loads 257k znodes through node-zookeeper-client in about a minute.
      meta_start: layout.large ? "5m" : "30s",
      meta_stop: "15s",
      healthy: layout.large ? "10m" : "60s",
      fd_lease: "auto",
      recover: "30s",
    },
    state_dir: join(layout.dir, "state"),
  };
  return `# A sandbox Pegasus ${layout.version} cluster on loopback, written by \`bun tests/sandbox/cli.ts up\`.
# Source = the "old" ZooKeeper the metas use now; target = the empty "new" one.
# Metas are started and stopped by the sandbox CLI, as minos or systemd would do it.
${stringify(inventory, { lineWidth: 0 })}`;
}

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
