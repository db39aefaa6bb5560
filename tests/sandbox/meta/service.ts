/**
 * The simulated meta's one port: loopback RPCs under `/rpc/` (beacons, config sync, DDL, level
 * control, recovery) and the public HTTP endpoints `/meta/cluster`, `/meta/nodes` and
 * `/meta/apps` (compact JSON; a backup meta answers 307 to the primary), plus `/sandbox/state`
 * for the sandbox's own checks. RPCs other than beacons and `recover` answer ERR_FORWARD_TO_OTHERS
 * on a follower and ERR_UNDER_RECOVERY while recovering (`meta_service::check_status_and_authz`,
 * `list_nodes` included).
 */
import { type ReplicaInfo, rpcRouter } from "../rpc.ts";
import { printTable, printTables } from "../table-printer.ts";
import { appsTables, clusterInfoTable, nodesTables } from "../views.ts";
import * as op from "./operations.ts";
import type { MetaState } from "./state.ts";

/** Who leads, as this meta knows it. */
export interface Leadership {
  isLeader: boolean;
  /** The leader's `host:port`, when known. */
  primary: string | null;
}

/** The request handler of a meta process. */
export function metaHandler(
  state: MetaState,
  leadership: Leadership,
  info: { version: string; startTime: string },
): (request: Request) => Promise<Response> {
  /** `check_status_and_authz`: in recovery mode everything but `recover` is ERR_UNDER_RECOVERY (`list_nodes` too). */
  const guarded =
    <B, R>(handler: (body: B) => R | Promise<R>, duringRecovery = false) =>
    (body: B) => {
      if (!leadership.isLeader)
        return { err: "ERR_FORWARD_TO_OTHERS", primary: leadership.primary ?? "" };
      if (state.recovering) return duringRecovery ? handler(body) : { err: "ERR_UNDER_RECOVERY" };
      if (!state.started) return { err: "ERR_SERVICE_NOT_ACTIVE" };
      return handler(body);
    };
  const handlers = {
    beacon: (body: { node: string }) => {
      if (!leadership.isLeader)
        return { err: "ERR_OK", is_master: false, primary: leadership.primary ?? "" };
      state.onBeacon(body.node);
      return { err: "ERR_OK", is_master: true, primary: state.options.address };
    },
    config_sync: guarded((body: { node: string; stored_replicas: ReplicaInfo[] }) =>
      op.configSync(state, body.node, body.stored_replicas),
    ),
    list_apps: guarded((body: { status?: string }) => ({
      err: "ERR_OK",
      apps: op.listApps(state, body.status ?? "all"),
    })),
    list_nodes: guarded((body: { status?: string }) => ({
      err: "ERR_OK",
      nodes: op.listNodes(state, body.status),
    })),
    /** The sandbox's own view of the nodes, in recovery mode too (no upstream RPC). */
    sandbox_nodes: guarded(
      (body: { status?: string }) => ({ err: "ERR_OK", nodes: op.listNodes(state, body.status) }),
      true,
    ),
    sandbox_health: guarded(() => op.health(state)),
    cluster_info: guarded(() => ({ err: "ERR_OK", pairs: op.clusterInfo(state) })),
    control_meta: guarded((body: { level: string }) => op.controlMetaLevel(state, body.level)),
    create_app: guarded((body: Parameters<typeof op.createApp>[1]) => op.createApp(state, body)),
    drop_app: guarded((body: Parameters<typeof op.dropApp>[1]) => op.dropApp(state, body)),
    app_envs: guarded((body: Parameters<typeof op.appEnvs>[1]) => op.appEnvs(state, body)),
    start_recovery: (body: Parameters<typeof op.startRecovery>[1]) =>
      leadership.isLeader
        ? op.startRecovery(state, body)
        : { err: "ERR_FORWARD_TO_OTHERS", hint_message: "", primary: leadership.primary ?? "" },
    server_info: () => ({ err: "ERR_OK", role: "meta-server", ...info }),
  };
  return rpcRouter(handlers, (request) => http(request));

  function http(request: Request): Response {
    const url = new URL(request.url);
    const detailed = url.searchParams.has("detailed");
    if (url.pathname === "/sandbox/state") {
      return Response.json({
        pid: process.pid,
        address: state.options.address,
        isLeader: leadership.isLeader,
        primary: leadership.primary,
        level: state.level,
        effectiveLevel: state.effectiveLevel(),
        recovering: state.recovering,
        started: state.started,
        deferredWrites: state.deferredCount(),
        deferredRetries: state.retryCount(),
      });
    }
    if (!url.pathname.startsWith("/meta/")) return new Response("not found", { status: 404 });
    if (!leadership.isLeader) {
      if (!leadership.primary) return new Response("no primary meta server yet", { status: 503 });
      return new Response(null, {
        status: 307,
        headers: { location: `http://${leadership.primary}${url.pathname}${url.search}` },
      });
    }
    const json = (text: string) =>
      new Response(text, { headers: { "content-type": "application/json" } });
    if (url.pathname === "/meta/cluster") {
      return json(printTable(clusterInfoTable(op.clusterInfo(state), ""), "compact"));
    }
    if (url.pathname === "/meta/nodes") {
      const apps = detailed ? op.listApps(state, "AS_AVAILABLE") : null;
      return json(printTables(nodesTables(op.listNodes(state), apps), "compact"));
    }
    if (url.pathname === "/meta/apps") {
      const apps = op.listApps(state, "AS_AVAILABLE");
      return json(printTables(appsTables(apps, { detailed, version: state.version }), "compact"));
    }
    return new Response("not found", { status: 404 });
  }
}
