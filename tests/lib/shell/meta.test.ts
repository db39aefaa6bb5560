import { describe, expect, test } from "bun:test";
import {
  getMetaLevelCommand,
  type MetaLevel,
  RecoverFailed,
  recoverCommand,
  type Settled,
  type ShellCommand,
  ShellCommandFailed,
  ShellCommandRejected,
  setMetaLevelCommand,
  splitShellOutput,
} from "../../../lib/shell/index.ts";
import * as f from "./fixtures.ts";

function readOne<T>(command: ShellCommand<T>, stdout: string, stderr = ""): Settled<T> {
  return splitShellOutput(f.banner26 + stdout, stderr, [command], "auto").results[0] as Settled<T>;
}

function errorOf<T>(settled: Settled<T>): Error {
  if (settled.ok) throw new Error(`expected an error, got ${JSON.stringify(settled.value)}`);
  return settled.error;
}

const nodes = ["10.0.0.11:34801", "10.0.0.12:34801"];

/** The reference success output with concrete nodes and a chosen tail. */
function recoverOutput(tail: string, head = "") {
  return `${head}Wait seconds: 100
Skip bad nodes: false
Skip lost partitions: false
Node list:
=============================
10.0.0.11:34801
10.0.0.12:34801
=============================
Wait recovery for 0 seconds
${tail}`;
}

describe("get_meta_level / set_meta_level", () => {
  test("getMetaLevelCommand() reads the stored level with its fl_ prefix", () => {
    expect(readOne(getMetaLevelCommand(), "current meta level is fl_blind\n")).toEqual({
      ok: true,
      value: { level: "blind", raw: "fl_blind" },
    });
  });

  test("setMetaLevelCommand() is a change and reads the old level", () => {
    const command = setMetaLevelCommand("blind");
    expect(command).toMatchObject({ lines: ["set_meta_level blind"], change: true });
    expect(readOne(command, "control meta level ok, the old level is fl_steady\n")).toEqual({
      ok: true,
      value: { oldLevel: "steady", raw: "fl_steady" },
    });
  });

  test("setMetaLevelCommand() turns `got error` into ShellCommandFailed", () => {
    const error = errorOf(
      readOne(setMetaLevelCommand("steady"), "control meta level got error ERR_NETWORK_FAILURE\n"),
    );
    expect(error).toBeInstanceOf(ShellCommandFailed);
    expect(error).toMatchObject({ code: "ERR_NETWORK_FAILURE", command: "set_meta_level steady" });
  });

  test("setMetaLevelCommand() turns a level the shell cannot parse, and its USAGE, into ShellCommandRejected", () => {
    // v2.5.0 rebalance.cpp set_meta_level: the parse error goes to stderr (verify_logged).
    const out =
      "USAGE: \tset_meta_level  <stopped|blind|freezed|steady|lively>\ncurrent meta level is fl_steady\n";
    const t = splitShellOutput(
      f.banner25 + out,
      "parse sleepy as meta function level failed\n",
      [setMetaLevelCommand("sleepy" as MetaLevel), getMetaLevelCommand()],
      "auto",
    );
    const error = (t.results[0] as { error: ShellCommandRejected }).error;
    expect(error).toBeInstanceOf(ShellCommandRejected);
    expect(error.lines).toEqual([
      "parse sleepy as meta function level failed",
      "USAGE:  set_meta_level  <stopped|blind|freezed|steady|lively>",
    ]);
    expect(t.results[1]?.ok).toBe(true);
  });
});

describe("recover", () => {
  test("recoverCommand() builds -s/-w/-b/-l and refuses nodes that are not host:port", () => {
    expect(recoverCommand(nodes).lines).toEqual([
      "recover -s 10.0.0.11:34801,10.0.0.12:34801 -w 100",
    ]);
    expect(
      recoverCommand(nodes, { waitSeconds: 30, skipBadNodes: true, skipLostPartitions: true })
        .lines,
    ).toEqual(["recover -s 10.0.0.11:34801,10.0.0.12:34801 -w 30 -b -l"]);
    expect(recoverCommand(nodes).change).toBe(true);
    expect(() => recoverCommand(["a b:1"])).toThrow("every node must be host:port");
    expect(() => recoverCommand([])).toThrow("every node must be host:port");
  });

  test("recoverCommand() reads the reference output: result, wait lines, typed hint", () => {
    const result = readOne(recoverCommand(["x.x.x.x:34801", "x.x.x.x:34802"]), f.recoverWithHint);
    expect(result).toEqual({
      ok: true,
      value: {
        result: "ERR_OK",
        waitSeconds: 100,
        skipBadNodes: false,
        skipLostPartitions: false,
        nodes: ["x.x.x.x:34801", "x.x.x.x:34802"],
        duplicates: [],
        waitedSeconds: 2,
        hints: [
          {
            kind: "partial-partition",
            partition: "1.0",
            collected: 2,
            expected: 3,
            line: "WARNING: partition(1.0) only collects 2/3 of replicas, may lost data",
          },
        ],
      },
    });
  });

  test("recoverCommand() types every hint line of the reference", () => {
    const hints = f.recoverHintTemplates
      .replaceAll("node(X)", "node(10.0.0.13:34801)")
      .replaceAll("err(E)", "err(ERR_NETWORK_FAILURE)")
      .replaceAll("partition(A.P)", "partition(2.5)")
      .replace("n/3", "1/3")
      .replace("app(N)", "app(4)")
      .replace("old name(X)", "old name(stat)")
      .replace("to (Y)", "to (stat__4)");
    const out = recoverOutput(
      `Recover result: ERR_TRY_AGAIN\n=============================\n${hints}=============================\n`,
    );
    const error = errorOf(readOne(recoverCommand(nodes), out));
    expect(error).toBeInstanceOf(RecoverFailed);
    const result = (error as RecoverFailed).result;
    expect(result.result).toBe("ERR_TRY_AGAIN");
    expect(result.hints.map(({ line: _, ...hint }) => hint)).toEqual([
      { kind: "bad-node", node: "10.0.0.13:34801", error: "ERR_NETWORK_FAILURE", skipped: false },
      { kind: "bad-node", node: "10.0.0.13:34801", error: "ERR_NETWORK_FAILURE", skipped: true },
      { kind: "lost-partition", partition: "2.5", forced: false },
      { kind: "lost-partition", partition: "2.5", forced: true },
      { kind: "partial-partition", partition: "2.5", collected: 1, expected: 3 },
      { kind: "renamed", appId: 4, oldName: "stat", newName: "stat__4" },
    ]);
    expect(error.message).toStartWith(
      "Pegasus shell command `recover -s 10.0.0.11:34801,10.0.0.12:34801 -w 100` failed with ERR_TRY_AGAIN: Recover result: ERR_TRY_AGAIN\n  ERROR: collect app and replica info from node(10.0.0.13:34801)",
    );
    expect((error as RecoverFailed).hint).toContain("skip_bad_nodes");
  });

  test("recoverCommand() keeps a hint line of unknown shape whole", () => {
    const out = recoverOutput(
      "Recover result: ERR_OK\n=============================\nsomething new\n=============================\n",
    );
    const result = readOne(recoverCommand(nodes), out);
    expect(result.ok && result.value.hints).toEqual([{ kind: "other", line: "something new" }]);
  });

  test("recoverCommand() reports the timeout line as RecoverFailed ERR_TIMEOUT", () => {
    const out = recoverOutput(
      "Wait recovery failed, administrator should check the meta for progress\n",
    );
    const error = errorOf(readOne(recoverCommand(nodes), out)) as RecoverFailed;
    expect(error).toBeInstanceOf(RecoverFailed);
    expect(error.code).toBe("ERR_TIMEOUT");
    expect(error.result.waitedSeconds).toBe(1);
    expect(error.hint).toContain("may still finish");
  });

  test("recoverCommand() reads duplicate-node lines and the -o completion line", () => {
    const head = "duplicate replica node 10.0.0.11:34801, just ingore it\n";
    const out = recoverOutput("Recover result: ERR_OK\nrecover complete with err = ERR_OK\n", head);
    const result = readOne(recoverCommand([...nodes, "10.0.0.11:34801"]), out);
    expect(result.ok && result.value.duplicates).toEqual(["10.0.0.11:34801"]);
  });

  test("recoverCommand() reports ERR_SERVICE_ALREADY_RUNNING with its hint", () => {
    const error = errorOf(
      readOne(
        recoverCommand(nodes),
        recoverOutput("Recover result: ERR_SERVICE_ALREADY_RUNNING\n"),
      ),
    );
    expect(error).toMatchObject({ code: "ERR_SERVICE_ALREADY_RUNNING" });
    expect((error as RecoverFailed).hint).toContain("not in recovery mode");
  });

  test("recoverCommand() reports an empty node set", () => {
    const error = errorOf(readOne(recoverCommand(nodes), "node set for recovery it empty\n"));
    expect(error).toMatchObject({ code: "ERR_INVALID_PARAMETERS" });
  });

  test("recoverCommand() turns stderr argument errors (and their USAGE) into ShellCommandRejected", () => {
    const parse = errorOf(
      readOne(
        recoverCommand(["replica1:34801"]),
        "",
        "parse replica1:34801 as a ip:port node failed\n",
      ),
    );
    expect(parse).toBeInstanceOf(ShellCommandRejected);
    expect(parse.message).toBe(
      "Pegasus shell rejected `recover -s replica1:34801 -w 100`: parse replica1:34801 as a ip:port node failed",
    );
    const usage =
      "USAGE: \trecover              [-f|--node_list_file file_name] [-s|--node_list_str str]\n\t                    [-w|--wait_seconds num]\n";
    const t = splitShellOutput(
      `${f.banner26}${usage}current meta level is fl_steady\n`,
      "invalid wait_seconds 0, should be positive number\n",
      [recoverCommand(nodes, { waitSeconds: 0 }), getMetaLevelCommand()],
      "auto",
    );
    expect((t.results[0] as { error: ShellCommandRejected }).error.lines[0]).toBe(
      "invalid wait_seconds 0, should be positive number",
    );
    expect(t.results[1]?.ok).toBe(true);
  });
});
