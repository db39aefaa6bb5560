/**
 * The leader's reads and bulk writes of the `/apps` tree (reference §6.8): loaded once at leader
 * start with the upstream load-time CHECKs (`unlock` or empty `/apps`, valid JSON and status,
 * matching pids; a missing partition node below `init_partition_count` is re-created), and
 * written whole with the `lock` … `unlock` pattern on first boot (default tables) and recovery.
 */
import {
  type AppInfo,
  decodeAppInfo,
  decodePartition,
  encodeAppInfo,
  encodePartition,
  newAppInfo,
  newPartition,
  type PartitionConfig,
} from "../encoding.ts";
import { crash, log } from "../rdsn-log.ts";
import type { MetaState } from "./state.ts";

const nowSecond = () => Math.floor(Date.now() / 1000);

/** Reads the tree once (`sync_apps_from_remote_storage`); false when it holds no table. */
export async function loadTree(state: MetaState): Promise<boolean> {
  const where = "server_state.cpp:612:sync_apps_from_remote_storage";
  const root = await state.zk.get(state.appsRoot);
  if (root === null) return false;
  if (root.data !== "unlock" && root.data !== "") {
    crash(
      where,
      `invalid transaction state(${root.data})`,
      "transaction_state == std::string(unlock_state) || transaction_state.empty()",
    );
  }
  const children = (await state.zk.children(state.appsRoot)) ?? [];
  await Promise.all(children.map((child) => loadApp(state, `${state.appsRoot}/${child}`)));
  return state.apps.size > 0;
}

async function loadApp(state: MetaState, path: string): Promise<void> {
  const where = "server_state.cpp:660:sync_apps_from_remote_storage";
  const node = await state.zk.get(path);
  if (node === null) return;
  let info: AppInfo;
  try {
    info = decodeAppInfo(node.data);
  } catch {
    crash(where, `invalid json data: ${node.data}`, "decode_json_data");
  }
  if (info.status !== "AS_AVAILABLE" && info.status !== "AS_DROPPED") {
    crash(
      where,
      `invalid status(${info.status}) of app(${info.app_id})`,
      "app->status == app_status::AS_AVAILABLE || app->status == app_status::AS_DROPPED",
    );
  }
  const partitions = await Promise.all(
    Array.from({ length: info.partition_count }, async (_, pidx) => {
      const data = await state.zk.get(`${path}/${pidx}`);
      if (data === null) {
        const fresh = newPartition(info, pidx);
        if (pidx < info.init_partition_count)
          await state.zk.create(
            `${path}/${pidx}`,
            encodePartition(fresh, state.version, state.name),
          );
        return fresh;
      }
      let pc: PartitionConfig | null = null;
      try {
        pc = decodePartition(data.data);
      } catch {}
      if (pc === null || pc.app_id !== info.app_id || pc.pidx !== pidx) {
        crash(
          where,
          `invalid partition config of ${path}/${pidx}: ${data.data}`,
          "pc.pid.get_app_id() == app->app_id && pc.pid.get_partition_index() == partition_id",
        );
      }
      return pc;
    }),
  );
  state.apps.set(info.app_id, { info, partitions });
}

/** Writes every table in memory to an absent or empty `/apps` (`sync_apps_to_remote_storage`). */
export async function writeTree(state: MetaState): Promise<void> {
  await state.zk.createIfMissing(state.appsRoot, "lock");
  const apps = [...state.apps.values()];
  const stored = (app: AppInfo): AppInfo => ({
    ...app,
    status:
      app.status === "AS_CREATING" || app.status === "AS_AVAILABLE" ? "AS_AVAILABLE" : "AS_DROPPED",
  });
  // Upstream takes ERR_NODE_ALREADY_EXIST for success here (server_state.cpp
  // sync_apps_to_remote_storage), leaving an existing node's data as it is.
  await Promise.all(
    apps.map((a) =>
      state.zk.createIfMissing(
        state.appPath(a.info.app_id),
        encodeAppInfo(stored(a.info), state.version),
      ),
    ),
  );
  await Promise.all(
    apps.flatMap((a) =>
      a.partitions.map((pc) =>
        state.zk.createIfMissing(
          state.partitionPath(pc),
          encodePartition(pc, state.version, state.name),
        ),
      ),
    ),
  );
  await state.zk.set(state.appsRoot, "unlock");
}

/** Creates the `[meta_server.apps.*]` tables on an empty tree (`initialize_default_apps`). */
export async function createDefaultApps(state: MetaState): Promise<void> {
  state.options.defaultApps.forEach((app, i) => {
    // initialize_default_apps leaves init_partition_count at its thrift default, -1.
    const info = newAppInfo({
      ...app,
      app_id: i + 1,
      create_second: nowSecond(),
      init_partition_count: -1,
    });
    state.apps.set(info.app_id, {
      info,
      partitions: Array.from({ length: info.partition_count }, (_, p) => newPartition(info, p)),
    });
    log(
      "I",
      "server_state.cpp:458:initialize_default_apps",
      `create default app ${info.app_name}(${info.app_id})`,
    );
  });
  await writeTree(state);
}
