import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import zookeeper from "node-zookeeper-client";
import { commandLineOf } from "./detached.ts";
import { freePort } from "./ports.ts";
import {
  ruok,
  startDetachedZooKeeper,
  startZooKeepers,
  stopDetachedZooKeeper,
  stopZooKeepers,
  type ZooKeeperServer,
} from "./zookeeper.ts";

/** Minimal promise wrappers over the raw client, so the harness is tested without lib/zk. */
async function withClient<T>(
  server: ZooKeeperServer,
  use: (c: zookeeper.Client) => Promise<T>,
): Promise<T> {
  const client = zookeeper.createClient(server.connectString, { sessionTimeout: 4000, retries: 0 });
  const connected = new Promise<void>((resolve) => client.once("connected", () => resolve()));
  client.connect();
  await connected;
  try {
    return await use(client);
  } finally {
    client.close();
  }
}
const create = (c: zookeeper.Client, path: string, data: string) =>
  new Promise<void>((resolve, reject) =>
    c.create(path, Buffer.from(data), (e) => (e ? reject(e) : resolve())),
  );
const read = (c: zookeeper.Client, path: string) =>
  new Promise<string | null>((resolve, reject) =>
    c.getData(path, (e, data) =>
      e
        ? "getCode" in e && e.getCode() === zookeeper.Exception.NO_NODE
          ? resolve(null)
          : reject(e)
        : resolve(data?.toString() ?? ""),
    ),
  );
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("ZooKeeper harness", () => {
  let servers: ZooKeeperServer[] = [];
  afterAll(() => stopZooKeepers());

  test("startZooKeepers() starts independent servers on distinct free ports", async () => {
    servers = await startZooKeepers(2);
    const [a, b] = servers as [ZooKeeperServer, ZooKeeperServer];
    expect(a.port).not.toBe(b.port);
    expect(await ruok(a.port)).toBe(true);
    expect(await ruok(b.port)).toBe(true);
    await withClient(a, (c) => create(c, "/only-on-a", "x"));
    expect(await withClient(a, (c) => read(c, "/only-on-a"))).toBe("x");
    expect(await withClient(b, (c) => read(c, "/only-on-a"))).toBeNull();
  });

  test("stop() ends the process and start() brings back the same data", async () => {
    const a = servers[0] as ZooKeeperServer;
    const pid = a.pid as number;
    await a.stop();
    expect(a.pid).toBeNull();
    expect(isAlive(pid)).toBe(false);
    expect(await ruok(a.port)).toBe(false);
    await a.start();
    expect(await withClient(a, (c) => read(c, "/only-on-a"))).toBe("x");
  });

  test("kill() is a crash: acknowledged writes survive it", async () => {
    const b = servers[1] as ZooKeeperServer;
    await withClient(b, (c) => create(c, "/before-crash", "y"));
    await b.kill();
    expect(await ruok(b.port)).toBe(false);
    await b.start();
    expect(await withClient(b, (c) => read(c, "/before-crash"))).toBe("y");
  });

  test("ruok() gives up after its timeout on a server that never answers", async () => {
    const silent = createServer(() => {});
    const port = await freePort();
    await new Promise<void>((resolve) => silent.listen(port, "127.0.0.1", resolve));
    // The server never answers nor closes: only ruok's own timeout can end the wait. The
    // sentinel is 100 times that, so a busy machine cannot fail the test, a hang still does.
    const hung = Bun.sleep(30_000).then(() => "still waiting after 30 s");
    expect(await Promise.race([ruok(port, 300), hung])).toBe(false);
    silent.close();
  });

  test("stopZooKeepers() leaves no ZooKeeper process behind", async () => {
    const pids = servers.map((s) => s.pid as number);
    expect(pids.every(isAlive)).toBe(true);
    await stopZooKeepers();
    expect(pids.some(isAlive)).toBe(false);
    expect(servers.every((s) => s.pid === null)).toBe(true);
  });
});

describe("detached ZooKeeper (sandbox CLI)", () => {
  test("startDetachedZooKeeper() writes a pid file; stopDetachedZooKeeper() stops that process", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pzm-zk-detached-"));
    try {
      const zk = await startDetachedZooKeeper(dir, {
        port: await freePort(),
        ownerPid: process.pid,
      });
      expect(await Bun.file(zk.pidFile).text()).toBe(`${zk.pid}\n`);
      expect(await ruok(zk.port)).toBe(true);
      expect(await stopDetachedZooKeeper(dir)).toBe(true);
      expect(commandLineOf(zk.pid)).toBeNull(); // gone, or a zombie its new parent has yet to reap
      expect(await stopDetachedZooKeeper(dir)).toBe(false);
    } finally {
      await stopDetachedZooKeeper(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
