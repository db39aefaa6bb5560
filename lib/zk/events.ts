/**
 * The log events of the tree engine and their human formatters; `lib/log.ts` merges them into its
 * event union, so `--json` prints them as NDJSON like every other event.
 */

/** Everything the tree engine reports while it works. */
export type ZkEvent =
  | {
      kind: "zk-session";
      /** `source`, `target`, or the connect string. */
      ensemble: string;
      /** `readers`: reader sessions a server did not take (the walk goes on with fewer). */
      event: "connected" | "reconnected" | "disconnected" | "expired" | "readers";
      server: string;
      detail: string;
    }
  | {
      kind: "zk-write";
      ensemble: string;
      /** Operations in this request (a multi batch, or 1). */
      ops: number;
      creates: number;
      updates: number;
      acls: number;
      deletes: number;
      bytes: number;
      first: string;
      last: string;
      dryRun: boolean;
    }
  | {
      kind: "zk-progress";
      ensemble: string;
      phase: "read" | "write" | "delete";
      done: number;
      /** Null while unknown. */
      total: number | null;
    }
  | { kind: "zk-skip"; ensemble: string; path: string; reason: string }
  | { kind: "zk-result"; command: string; ok: boolean; exitCode: number; result: unknown };

type ZkFormatters = {
  [K in ZkEvent["kind"]]: (event: Extract<ZkEvent, { kind: K }>) => string | null;
};

/** Human rendering of tree-engine events; `null` means "say nothing". */
export const zkFormatters: ZkFormatters = {
  "zk-session": (e) => {
    const where = `zk ${e.ensemble} ${e.server}`;
    if (e.event === "connected") return `${where}: connected (${e.detail})`;
    if (e.event === "reconnected") return `${where}: reconnected (${e.detail})`;
    if (e.event === "disconnected") return `warning: ${where}: connection lost (${e.detail})`;
    if (e.event === "readers") return `warning: ${where}: ${e.detail}`;
    return `warning: ${where}: session expired (${e.detail})`;
  },
  "zk-write": (e) => {
    const parts = [
      e.creates && `create ${e.creates}`,
      e.updates && `set data ${e.updates}`,
      e.acls && `set ACL ${e.acls}`,
      e.deletes && `delete ${e.deletes}`,
    ].filter(Boolean);
    const range = e.ops > 1 ? `${e.first} … ${e.last}` : e.first;
    const prefix = e.dryRun ? `[dry-run] zk ${e.ensemble}: would` : `zk ${e.ensemble}:`;
    return `${prefix} ${parts.join(", ")} (${formatBytes(e.bytes)}): ${range}`;
  },
  "zk-progress": () => null,
  "zk-skip": (e) => `zk ${e.ensemble}: skipped ${e.path} (${e.reason})`,
  "zk-result": () => null,
};

/** True for events printed in human mode only with `--verbose`. */
export function isVerboseZkEvent(event: { kind: string; dryRun?: boolean; event?: string }) {
  return (
    (event.kind === "zk-write" && !event.dryRun) ||
    event.kind === "zk-skip" ||
    (event.kind === "zk-session" && event.event === "connected")
  );
}

/**
 * Formats a byte count for people: `512 B`, `12.3 KB`, `10.4 MB`.
 * @example formatBytes(10_485_760) // "10.5 MB"
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} KB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}
