/**
 * The simulator's ZooKeeper session: node-zookeeper-client behind promises, one session per
 * process like a real meta (reference §6.1). Writes are unconditional (version -1), nodes carry
 * the open ACL, and session expiry is detected on the client side too (the library only reports
 * it on reconnect), so a leader cut off from its ensemble exits within its session timeout.
 *
 * At most {@link maxInFlight} requests are outstanding on a session. A ZooKeeper 3.8 server stops
 * reading a connection whose queue is deep (its request throttle), so pings behind thousands of
 * pipelined writes — a table of 256 partitions being created while the cure writes a thousand
 * configurations — are not read before a 3 s session timeout runs out, and the session expires
 * although both sides are alive. Upstream's meta pipelines the same way but with a 30 s timeout.
 */
import zookeeper from "node-zookeeper-client";

/** A ZooKeeper error with its numeric code (`zookeeper.Exception.*`). */
export class ZkError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export const ZkCode = {
  noNode: zookeeper.Exception.NO_NODE,
  nodeExists: zookeeper.Exception.NODE_EXISTS,
} as const;

/**
 * Requests outstanding per session; the rest wait here (see the module comment). Small, as
 * node-zookeeper-client copies its whole receive buffer once per reply it parses: CPU per reply
 * grows with the replies that arrive together (measured: 64 costs no more than 16, 256 +40%).
 */
export const maxInFlight = 64;

/** One ZooKeeper session. */
export interface ZkSession {
  /** Resolves once the session is connected for the first time. */
  readonly connected: Promise<void>;
  create(path: string, data: string, mode?: "persistent" | "ephemeral-sequential"): Promise<string>;
  /** Creates a persistent node; false when it already existed. */
  createIfMissing(path: string, data: string): Promise<boolean>;
  /** Data and version, or null when the node does not exist. */
  get(path: string, watch?: () => void): Promise<{ data: string; version: number } | null>;
  set(path: string, data: string): Promise<void>;
  /** Children, or null when the node does not exist. */
  children(path: string, watch?: () => void): Promise<string[] | null>;
  exists(path: string, watch?: () => void): Promise<boolean>;
  remove(path: string): Promise<void>;
  /** Called once when the session expires (server-reported, or disconnected past its timeout). */
  onExpired(callback: () => void): void;
  close(): void;
}

/**
 * Opens a session against `hosts` with the requested session timeout.
 * @example const zk = openSession("127.0.0.1:2181", 4000); await zk.connected;
 */
export function openSession(hosts: string, sessionTimeoutMs: number): ZkSession {
  const client = zookeeper.createClient(hosts, {
    sessionTimeout: sessionTimeoutMs,
    spinDelay: 200,
  });
  const expiredCallbacks: (() => void)[] = [];
  let expired = false;
  let disconnectTimer: ReturnType<typeof setTimeout> | undefined;
  const expire = () => {
    if (expired) return;
    expired = true;
    for (const callback of expiredCallbacks) callback();
  };
  const connected = new Promise<void>((resolve) => client.once("connected", () => resolve()));
  client.on("connected", () => clearTimeout(disconnectTimer));
  client.on("disconnected", () => {
    clearTimeout(disconnectTimer);
    disconnectTimer = setTimeout(expire, client.getSessionTimeout() || sessionTimeoutMs);
  });
  client.on("expired", expire);
  client.connect();

  const fail = (path: string) => (error: Error | zookeeper.Exception) => {
    const code = "getCode" in error ? error.getCode() : 0;
    return new ZkError(code, `${error.toString()} (${path})`);
  };
  const watcher = (watch?: () => void) => (watch ? [(_: zookeeper.Event) => watch()] : []);
  let inFlight = 0;
  // A queue with a moving head: Array.shift on 257k waiters would copy the rest every time.
  let waiting: (() => void)[] = [];
  let head = 0;
  const call = async <T>(
    path: string,
    run: (done: (e: Error | zookeeper.Exception | null, v: T) => void) => void,
  ): Promise<T> => {
    // A finishing request hands its slot straight to the oldest waiter.
    if (inFlight >= maxInFlight) await new Promise<void>((go) => waiting.push(go));
    else inFlight++;
    try {
      return await new Promise<T>((resolve, reject) =>
        run((error, value) => (error ? reject(fail(path)(error)) : resolve(value))),
      );
    } finally {
      const next = waiting[head];
      if (next) {
        waiting[head++] = undefined as never;
        if (head > 4096 && head * 2 > waiting.length) [waiting, head] = [waiting.slice(head), 0];
        next();
      } else inFlight--;
    }
  };
  const orNull = async <T>(promise: Promise<T>): Promise<T | null> => {
    try {
      return await promise;
    } catch (error) {
      if (error instanceof ZkError && error.code === ZkCode.noNode) return null;
      throw error;
    }
  };

  const writeOne = (op: Write) =>
    op.kind === "create"
      ? call<string>(op.path, (done) =>
          client.create(op.path, Buffer.from(op.data), zookeeper.CreateMode.PERSISTENT, done),
        )
      : call<zookeeper.Stat>(op.path, (done) =>
          client.setData(op.path, Buffer.from(op.data), -1, done),
        );
  const write = batchWrites(writeOne, (ops) =>
    call<unknown>(ops[0]?.path ?? "", (done) => {
      const multi = client.transaction();
      for (const op of ops) {
        if (op.kind === "create") multi.create(op.path, Buffer.from(op.data));
        else multi.setData(op.path, Buffer.from(op.data), -1);
      }
      multi.commit(done);
    }),
  );

  const session: ZkSession = {
    connected,
    create: (path, data, mode = "persistent") =>
      mode === "persistent"
        ? write({ kind: "create", path, data }).then(() => path)
        : call<string>(path, (done) =>
            client.create(path, Buffer.from(data), zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL, done),
          ),
    createIfMissing: async (path, data) => {
      try {
        await session.create(path, data);
        return true;
      } catch (error) {
        if (error instanceof ZkError && error.code === ZkCode.nodeExists) return false;
        throw error;
      }
    },
    get: (path, watch) =>
      orNull(
        call<{ data: string; version: number }>(path, (done) =>
          (client.getData as (...a: unknown[]) => void)(
            path,
            ...watcher(watch),
            (e: Error | null, data: Buffer, stat: zookeeper.Stat) =>
              done(
                e,
                e
                  ? { data: "", version: 0 }
                  : { data: data?.toString() ?? "", version: stat.version },
              ),
          ),
        ),
      ),
    set: (path, data) => write({ kind: "set", path, data }),
    children: (path, watch) =>
      orNull(
        call<string[]>(path, (done) =>
          (client.getChildren as (...a: unknown[]) => void)(
            path,
            ...watcher(watch),
            (e: Error | null, children: string[]) => done(e, children),
          ),
        ),
      ),
    exists: (path, watch) =>
      call<zookeeper.Stat | null>(path, (done) =>
        (client.exists as (...a: unknown[]) => void)(path, ...watcher(watch), done),
      ).then((stat) => stat !== null && stat !== undefined),
    remove: (path) =>
      call<void>(path, (done) => client.remove(path, -1, (e) => done(e, undefined))),
    onExpired: (callback) => {
      expiredCallbacks.push(callback);
    },
    close: () => {
      clearTimeout(disconnectTimer);
      expiredCallbacks.length = 0;
      client.close();
    },
  };
  return session;
}

/** A persistent create or an unconditional set. */
interface Write {
  kind: "create" | "set";
  path: string;
  data: string;
}

/** Writes per multi request. */
const multiSize = 256;

/**
 * Sends the writes issued in one turn of the event loop as multi requests of up to
 * {@link multiSize}: a meta creating a 256-partition table, or a cure round writing thousands of
 * configurations, costs node-zookeeper-client ~200 µs of CPU per request, and a 257k-znode
 * sandbox makes a million of them. ZooKeeper ends in the same state as with one request per
 * write (upstream's way). Each caller still gets its own result: a multi is atomic, so when one
 * fails nothing was applied and its writes are sent again one by one.
 */
function batchWrites(
  one: (op: Write) => Promise<unknown>,
  many: (ops: Write[]) => Promise<unknown>,
): (op: Write) => Promise<void> {
  let queued: { op: Write; settle: (outcome: Promise<unknown>) => void }[] = [];
  const send = () => {
    const batch = queued;
    queued = [];
    for (let i = 0; i < batch.length; i += multiSize) {
      const slice = batch.slice(i, i + multiSize);
      const alone = () => {
        for (const w of slice) w.settle(one(w.op));
      };
      if (slice.length === 1) alone();
      else
        many(slice.map((w) => w.op)).then(() => {
          for (const w of slice) w.settle(Promise.resolve());
        }, alone);
    }
  };
  return (op) =>
    new Promise<unknown>((resolve) => {
      if (queued.length === 0) setImmediate(send);
      queued.push({ op, settle: resolve });
    }).then(() => undefined);
}

/**
 * Creates every component of an absolute path as an empty persistent node, ignoring existing
 * ones, as `remote_storage_initialize` does for `cluster_root` and the lock root.
 */
export async function createPathComponents(zk: ZkSession, path: string): Promise<void> {
  let current = "";
  for (const slice of path.split("/").filter(Boolean)) {
    current += `/${slice}`;
    await zk.createIfMissing(current, "");
  }
}
