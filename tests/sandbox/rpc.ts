/**
 * Loopback RPC between sandbox processes: `POST http://<host:port>/rpc/<name>` with a JSON body,
 * answered with JSON. A simulated meta serves these next to its public `/meta/*` HTTP endpoints
 * on its one port, as a real meta serves HTTP on its RPC port. Transport failures come back as
 * the rDSN error a real client would see.
 */
import type { AppInfo, PartitionConfig } from "./encoding.ts";

/** A replica as a replica server reports it (`replica_info`, plus its `app_info`). */
export interface ReplicaInfo {
  app_id: number;
  pidx: number;
  ballot: number;
  status: "PS_INACTIVE" | "PS_PRIMARY" | "PS_SECONDARY" | "PS_ERROR";
  last_committed_decree: number;
  last_prepared_decree: number;
  last_durable_decree: number;
}

/** A partition configuration together with its table, as the meta hands it to replica servers. */
export interface ConfigUpdate {
  app: AppInfo;
  pc: PartitionConfig;
}

/**
 * Configuration updates as they travel: each table once, then the partitions. With a table in
 * every entry, a config sync of a 257k-znode cluster would carry ~100 MB per replica server.
 */
export interface ConfigUpdates {
  apps: AppInfo[];
  partitions: PartitionConfig[];
}

/** Packs updates for the wire; a table updated twice travels as it was last. */
export function packUpdates(updates: ConfigUpdate[]): ConfigUpdates {
  const apps = new Map<number, AppInfo>();
  for (const { app } of updates) apps.set(app.app_id, app);
  return { apps: [...apps.values()], partitions: updates.map((u) => u.pc) };
}

/** The updates {@link packUpdates} packed. */
export function unpackUpdates(packed: ConfigUpdates): ConfigUpdate[] {
  const apps = new Map(packed.apps.map((app) => [app.app_id, app]));
  return packed.partitions.map((pc) => ({ app: apps.get(pc.app_id) as AppInfo, pc }));
}

/** Every meta reply carries `err`; a non-leader adds the leader it knows as `primary`. */
export interface MetaReply {
  err: string;
  primary?: string;
  /** Set by the shell's client when no meta answered: the RPC failed, not the meta. */
  transport?: boolean;
}

/** A call that never got an answer. */
export class RpcFailed extends Error {
  constructor(
    readonly err: "ERR_NETWORK_FAILURE" | "ERR_TIMEOUT",
    readonly address: string,
  ) {
    super(`${err} calling ${address}`);
  }
}

/**
 * Calls `name` on the process at `address`.
 * @throws {RpcFailed} When the process is unreachable or does not answer within `timeoutMs`.
 * @example const ack = await call<BeaconAck>("127.0.0.1:34601", "beacon", { node }, 1000);
 */
export async function call<T>(
  address: string,
  name: string,
  body: unknown,
  timeoutMs: number,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`http://${address}/rpc/${name}`, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json" },
      signal: AbortSignal.timeout(timeoutMs),
    });
    return (await response.json()) as T;
  } catch (error) {
    const name = (error as Error).name;
    throw new RpcFailed(
      name === "TimeoutError" || name === "AbortError" ? "ERR_TIMEOUT" : "ERR_NETWORK_FAILURE",
      address,
    );
  }
}

/**
 * Routes `/rpc/<name>` requests to handlers; anything else goes to `fallback`.
 * @example Bun.serve({ port, fetch: rpcRouter({ beacon: (b) => onBeacon(b) }, notFound) })
 */
export function rpcRouter(
  handlers: Record<string, (body: never) => unknown>,
  fallback: (request: Request) => Response | Promise<Response>,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const path = new URL(request.url).pathname;
    if (request.method === "POST" && path.startsWith("/rpc/")) {
      const handler = handlers[path.slice(5)];
      if (!handler) return new Response("ERR_HANDLER_NOT_FOUND", { status: 404 });
      const body = (await request.json().catch(() => ({}))) as never;
      return Response.json(await handler(body));
    }
    return fallback(request);
  };
}
