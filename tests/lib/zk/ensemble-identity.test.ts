import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { compareEnsembles, sharedServers } from "../../../lib/zk/ensemble-identity.ts";
import { freePort } from "../../harness/ports.ts";
import { startZooKeepers, stopZooKeepers, type ZooKeeperServer } from "../../harness/zookeeper.ts";
import { cli, node, readWithSecondClient, seed, session } from "./helpers.ts";

let one: ZooKeeperServer;
let two: ZooKeeperServer;
const at = (host: string, server: ZooKeeperServer) => ({ host, port: server.port });
/** A deadline for servers that do answer, generous for a loaded machine. */
const answering = { timeoutMs: 60_000 };

beforeAll(async () => {
  [one, two] = (await startZooKeepers(2)) as [ZooKeeperServer, ZooKeeperServer];
});
afterAll(() => stopZooKeepers());

describe("compareEnsembles()", () => {
  test("compareEnsembles() tells one server under two spellings from two ensembles", async () => {
    const same = await compareEnsembles([at("127.0.0.1", one)], [at("localhost", one)], answering);
    expect(same.distinct).toBe(false);
    expect(same.target).toEqual([{ server: `localhost:${one.port}`, verdict: "same" }]);
    const other = await compareEnsembles([at("127.0.0.1", one)], [at("localhost", two)], answering);
    expect(other).toEqual({
      probe: `127.0.0.1:${one.port}`,
      source: [{ server: `127.0.0.1:${one.port}`, verdict: "same" }],
      target: [{ server: `localhost:${two.port}`, verdict: "other" }],
      distinct: true,
    });
  });

  test("compareEnsembles() finds a source server hidden in the target's list", async () => {
    const mixed = await compareEnsembles(
      [at("127.0.0.1", one)],
      [at("127.0.0.1", two), at("localhost", one)],
      answering,
    );
    expect(mixed.distinct).toBe(false);
    expect(mixed.target.map((t) => t.verdict)).toEqual(["other", "same"]);
  });

  test("compareEnsembles() cannot prove a silent server distinct", async () => {
    const closed = await freePort();
    const result = await compareEnsembles(
      [at("127.0.0.1", one)],
      [at("127.0.0.1", two), { host: "127.0.0.1", port: closed }],
      { timeoutMs: 1000 },
    );
    expect(result.distinct).toBe(false);
    expect(result.target[1]).toMatchObject({ verdict: "no answer" });
  });

  test("compareEnsembles() asks past a silent first source server", async () => {
    const closed = { host: "127.0.0.1", port: await freePort() };
    const result = await compareEnsembles([closed, at("127.0.0.1", one)], [at("127.0.0.1", two)], {
      timeoutMs: 20_000,
    });
    expect(result.probe).toBe(`127.0.0.1:${one.port}`);
    expect(result.source.map((s) => s.verdict)).toEqual(["no answer", "same"]);
    expect(result.target.map((t) => t.verdict)).toEqual(["other"]);
    expect(result.distinct).toBe(false);
  });

  test("sharedServers() resolves names: localhost and 127.0.0.1 are one server", async () => {
    expect(
      await sharedServers([at("127.0.0.1", one)], [at("127.0.0.1", two), at("localhost", one)]),
    ).toEqual([
      {
        source: `127.0.0.1:${one.port}`,
        target: `localhost:${one.port}`,
        address: `127.0.0.1:${one.port}`,
      },
    ]);
    expect(await sharedServers([at("127.0.0.1", one)], [at("localhost", two)])).toEqual([]);
  });
});

describe("zk copy into its own subtree", () => {
  test("zk copy --mirror refuses a DST that is SRC's ensemble spelt differently", async () => {
    const zk = await session(one.connectString);
    try {
      await seed(zk, [node("/own"), node("/own/a", "1"), node("/own/copy"), node("/own/copy/x")]);
      const before = await readWithSecondClient(one.connectString, "/own");
      const run = await cli([
        "zk",
        "copy",
        "--mirror",
        `127.0.0.1:${one.port}/own`,
        `localhost:${one.port}/own/copy`,
      ]);
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toContain(
        `Cannot copy 127.0.0.1:${one.port}/own to localhost:${one.port}/own/copy as the trees overlap: localhost:${one.port} is a server of the source's ensemble`,
      );
      expect(await readWithSecondClient(one.connectString, "/own")).toEqual(before);
    } finally {
      await zk.close();
    }
  });

  test("zk copy between overlapping paths of two ensembles goes ahead", async () => {
    const zk = await session(one.connectString);
    try {
      await seed(zk, [node("/both"), node("/both/a", "1")]);
      const run = await cli([
        "zk",
        "copy",
        `127.0.0.1:${one.port}/both`,
        `localhost:${two.port}/both`,
      ]);
      expect(run.exitCode).toBe(0);
    } finally {
      await zk.close();
    }
  });
});
