/**
 * Leader election as a meta does it (reference §6.10): an EPHEMERAL|SEQUENTIAL
 * `<lock_root>/dsn.meta.server.leader/LOCKNODE<seq>` holding this meta's `host:port`; the
 * smallest sequence holds the lock. Followers watch the current owner and re-list when it goes;
 * a stale node holding our own address (from an earlier session) is deleted; children that are
 * not `LOCKNODE\d+` are ignored. The leader watches its own node: if it vanishes the process
 * exits (0), if its data changes the process aborts.
 */
import { crash, log } from "../rdsn-log.ts";
import type { ZkSession } from "../zk.ts";

/** The lock id of the meta leader lock. */
export const leaderLockId = "dsn.meta.server.leader";

/** Callbacks of {@link acquireLeaderLock}. */
export interface ElectionEvents {
  /** The owner of the lock as seen while waiting (its `host:port`). */
  onOwner(owner: string): void;
  /** The leader lost its lock node: exit as upstream does. */
  onLostLock(): void;
}

/**
 * Creates this meta's lock node and resolves once it holds the lock.
 * @example await acquireLeaderLock(zk, "/pegasus/c1/lock/dsn.meta.server.leader", "127.0.0.1:34601", events);
 */
export async function acquireLeaderLock(
  zk: ZkSession,
  lockDir: string,
  myself: string,
  events: ElectionEvents,
): Promise<void> {
  const myPath = await zk.create(`${lockDir}/LOCKNODE`, myself, "ephemeral-sequential");
  const myName = myPath.slice(lockDir.length + 1);
  log("I", "lock_struct.cpp:663:create_locknode", `create lock node succeed, node = ${myPath}`);
  for (;;) {
    const children = ((await zk.children(lockDir)) ?? [])
      .filter((name) => /^LOCKNODE\d+$/.test(name))
      .sort((a, b) => Number(a.slice(8)) - Number(b.slice(8)));
    const live: string[] = [];
    for (const name of children) {
      const node = name === myName ? null : await zk.get(`${lockDir}/${name}`);
      if (node?.data === myself) {
        log(
          "W",
          "lock_struct.cpp:514:remove_duplicated_locknode",
          `remove duplicated lock node ${name}`,
        );
        await zk.remove(`${lockDir}/${name}`).catch(() => undefined);
      } else live.push(name);
    }
    const owner = live[0];
    if (owner === myName || owner === undefined) break;
    const gone = new Promise<void>((resolve) => {
      void zk
        .get(`${lockDir}/${owner}`, () => resolve())
        .then((node) => {
          if (node === null) resolve();
          else if (node.data !== myself) events.onOwner(node.data);
        });
    });
    await gone;
  }
  log(
    "I",
    "meta_server_failure_detector.cpp:165:acquire_leader_lock",
    `${myself} got the primary lock`,
  );
  watchMyself(zk, `${lockDir}/${myName}`, myself, events);
}

function watchMyself(zk: ZkSession, path: string, myself: string, events: ElectionEvents): void {
  const check = () => {
    void zk
      .get(path, check)
      .then((node) => {
        if (node === null) {
          log(
            "W",
            "meta_server_failure_detector.cpp:87:on_lock_expired",
            "the primary lock node is gone",
          );
          events.onLostLock();
        } else if (node.data !== myself) {
          crash(
            "lock_struct.cpp:803:after_self_check",
            `lock node data mismatch: ${node.data} vs ${myself}`,
            "node.data == myself",
          );
        }
      })
      .catch(() => undefined);
  };
  check();
}
