/**
 * Which `host:port` strings name the same process. From 2.6 on, a server calls itself by the
 * reverse-DNS name of its IP (master `rpc/rpc_engine.cpp`, `rpc_engine::start`:
 * `host_port::from_address(_local_primary_address)`, i.e. `getnameinfo`), so `primary_meta_server`,
 * the `nodes` addresses and the lock node's data say `meta1.example.com:34601` while
 * `[meta_server] server_list` and the inventory say `10.0.0.1:34601`. Addresses are therefore
 * compared by resolved identity — a name by what it resolves to, an IP also by its reverse name —
 * never as strings.
 */
import { lookup, lookupService } from "node:dns/promises";
import { isIP } from "node:net";

/** Looks up the addresses a host name resolves to, or the names an IP reverse-resolves to. */
export type Resolve = (host: string) => Promise<string[]>;

/** How long one lookup may take before it counts as "resolves to nothing". */
const lookupTimeoutMs = 3000;

/**
 * The system resolver (`getaddrinfo`/`getnameinfo`, so `/etc/hosts` counts, as for Pegasus): a
 * name gives its addresses, an IP gives itself and its reverse name. Failures give `[]`.
 * @example await systemResolve("localhost") // ["127.0.0.1", "::1"]
 */
export const systemResolve: Resolve = async (host) => {
  const answer = isIP(host)
    ? lookupService(host, 0).then((r) => [host, r.hostname])
    : lookup(host, { all: true }).then((all) => all.map((a) => a.address));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<string[]>((resolve) => {
    timer = setTimeout(() => resolve(isIP(host) ? [host] : []), lookupTimeoutMs);
  });
  try {
    return await Promise.race([answer.catch(() => (isIP(host) ? [host] : [])), late]);
  } finally {
    clearTimeout(timer);
  }
};

/** `host:port`, `[v6]:port` or a bare host (then `defaultPort`). */
export function splitEndpoint(address: string, defaultPort = ""): { host: string; port: string } {
  const text = address.trim();
  const bracketed = text.match(/^\[([^\]]+)\](?::(\d+))?$/);
  if (bracketed) return { host: bracketed[1] as string, port: bracketed[2] ?? defaultPort };
  const colon = text.lastIndexOf(":");
  if (colon < 0 || text.indexOf(":") !== colon) return { host: text, port: defaultPort };
  return { host: text.slice(0, colon), port: text.slice(colon + 1) };
}

/**
 * What each host name or IP stands for; two endpoints are the same process when their ports are
 * equal and their hosts are equal (ignoring case) or share a resolved address or name.
 * @example
 * const ids = await HostIdentities.resolve(["127.0.0.1:34601", "localhost:34601"]);
 * ids.sameEndpoint("127.0.0.1:34601", "localhost:34601") // true
 */
export class HostIdentities {
  private readonly identity: Map<string, Set<string>>;

  constructor(identity: Map<string, Set<string>> = new Map()) {
    this.identity = identity;
  }

  /** Resolves the host of every address (`host:port`, `[v6]:port`, a bare host, or a ZooKeeper connect string). */
  static async resolve(addresses: string[], resolve: Resolve = systemResolve) {
    const hosts = new Set(
      addresses
        .flatMap((a) => a.replace(/\/.*$/, "").split(","))
        .map((a) => splitEndpoint(a).host.toLowerCase())
        .filter((h) => h !== ""),
    );
    const entries = await Promise.all(
      [...hosts].map(async (host) => {
        const found = (await resolve(host)).map((x) => x.toLowerCase());
        return [host, new Set([host, ...found])] as const;
      }),
    );
    return new HostIdentities(new Map(entries));
  }

  /** True when both name the same host (see the class comment). */
  sameHost(a: string, b: string): boolean {
    const x = a.toLowerCase();
    const y = b.toLowerCase();
    if (x === y) return true;
    const left = this.identity.get(x) ?? new Set([x]);
    const right = this.identity.get(y) ?? new Set([y]);
    return [...left].some((id) => right.has(id));
  }

  /** True when both name the same process: same port, same host. */
  sameEndpoint(a: string, b: string, defaultPort = ""): boolean {
    const x = splitEndpoint(a, defaultPort);
    const y = splitEndpoint(b, defaultPort);
    return x.port === y.port && this.sameHost(x.host, y.host);
  }

  /** The first of `candidates` that is the same process as `address`. */
  find<T>(candidates: T[], address: string, key: (c: T) => string): T | undefined {
    return candidates.find((c) => this.sameEndpoint(key(c), address));
  }

  /** Both lists name the same processes, each matched once, in any order. */
  sameEndpoints(a: string[], b: string[], defaultPort = ""): boolean {
    const left = [...new Set(a)];
    const right = [...new Set(b)];
    if (left.length !== right.length) return false;
    const unmatched = [...right];
    return left.every((x) => {
      const i = unmatched.findIndex((y) => this.sameEndpoint(x, y, defaultPort));
      if (i >= 0) unmatched.splice(i, 1);
      return i >= 0;
    });
  }

  /**
   * Two ZooKeeper connect strings name the same servers (any order, spaces ignored: ≥2.5 prints
   * `[zookeeper] hosts_list` verbatim, v2.5.0 `meta_service.cpp` `on_query_cluster_info`) and
   * the same chroot.
   */
  sameEnsemble(a: string, b: string): boolean {
    const parse = (s: string) => {
      const slash = s.indexOf("/");
      const servers = (slash < 0 ? s : s.slice(0, slash)).split(",").map((h) => h.trim());
      return {
        servers: servers.filter((h) => h !== ""),
        chroot: slash < 0 ? "" : s.slice(slash).trim().replace(/\/$/, ""),
      };
    };
    const x = parse(a);
    const y = parse(b);
    return x.chroot === y.chroot && this.sameEndpoints(x.servers, y.servers, "2181");
  }
}
