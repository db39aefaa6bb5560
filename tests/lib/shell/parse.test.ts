import { describe, expect, test } from "bun:test";
import { PreconditionFailed } from "../../../lib/errors.ts";
import {
  appEnvsCommand,
  clusterInfoCommand,
  getMetaLevelCommand,
  MetaUnderRecovery,
  type NodeStatus,
  nodesCommand,
  type Settled,
  type ShellCommand,
  ShellCommandFailed,
  ShellCommandRejected,
  ShellOutputUnexpected,
  ShellUnreachable,
  serverInfoCommand,
  splitShellOutput,
  tablesCommand,
} from "../../../lib/shell/index.ts";
import * as f from "./fixtures.ts";

/** Reads one command's output after the 2.6 banner (or the one given). */
function readOne<T>(
  command: ShellCommand<T>,
  stdout: string,
  options: { stderr?: string; banner?: string; version?: "auto" | "2.5" | "2.6" } = {},
): Settled<T> {
  const banner = options.banner ?? f.banner26;
  const transcript = splitShellOutput(
    banner + stdout,
    options.stderr ?? "",
    [command],
    options.version ?? "auto",
  );
  return transcript.results[0] as Settled<T>;
}

function valueIn<T>(settled: Settled<T>): T {
  if (!settled.ok) throw settled.error;
  return settled.value;
}

function errorOf<T>(settled: Settled<T>): Error {
  if (settled.ok) throw new Error(`expected an error, got ${JSON.stringify(settled.value)}`);
  return settled.error;
}

describe("banner", () => {
  test("splitShellOutput() reads the 2.6 banner and detects the output family", () => {
    const t = splitShellOutput(f.banner26, "", [], "auto");
    expect(t.banner).toEqual({
      version: "2.6.0-SNAPSHOT",
      family: "2.6",
      configFile: "/path/to/config-shell.ini.12345",
      clusterName: "onebox",
      metaList: "127.0.0.1:34601,127.0.0.1:34602",
      preamble: [],
    });
    expect(t.version).toBe("2.6");
    expect(splitShellOutput(f.banner25, "", [], "auto").version).toBe("2.5");
    expect(splitShellOutput(f.banner25.replace("2.5.0", "1.12.3"), "", [], "auto").version).toBe(
      "2.5",
    );
    expect(splitShellOutput(f.banner25.replace("2.5.0", "3.0.0"), "", [], "auto").version).toBe(
      "2.6",
    );
  });

  test("splitShellOutput() keeps a wrapper's own lines before the banner as the preamble", () => {
    const t = splitShellOutput(`Using config shell.ini\n${f.banner26}`, "", [], "auto");
    expect(t.banner.preamble).toEqual(["Using config shell.ini"]);
  });

  test("splitShellOutput() reports an init failure as ShellUnreachable", () => {
    const out =
      'Pegasus Shell 2.5.0\nType "help" for more information.\nType "Ctrl-D" or "Ctrl-C" to exit the shell.\n\nERROR: init pegasus failed: config-shell.ini.77\n';
    expect(() => splitShellOutput(out, "", [], "auto")).toThrow(ShellUnreachable);
    expect(() => splitShellOutput(out, "", [], "auto")).toThrow(
      "Cannot start the Pegasus shell: it could not load its config config-shell.ini.77",
    );
  });

  test("splitShellOutput() refuses output without a banner, quoting it", () => {
    expect(() =>
      splitShellOutput("bash: pegasus_shell: command not found\n", "", [], "auto"),
    ).toThrow(
      'Cannot read the output of `(start-up)` as the banner `Pegasus Shell <version>`: found "bash: pegasus_shell: command not found"',
    );
  });

  test("splitShellOutput() refuses a banner that contradicts inventory shell.version", () => {
    expect(() => splitShellOutput(f.banner26, "", [], "2.5")).toThrow(PreconditionFailed);
    expect(() => splitShellOutput(f.banner26, "", [], "2.5")).toThrow(
      'Cannot drive the Pegasus shell as inventory shell.version is 2.5 but the shell says "Pegasus Shell 2.6.0-SNAPSHOT"',
    );
    const odd = f.banner26.replace("2.6.0-SNAPSHOT", "dev");
    expect(() => splitShellOutput(odd, "", [], "auto")).toThrow(
      "Cannot tell the Pegasus shell's output format",
    );
    expect(splitShellOutput(odd, "", [], "2.6").version).toBe("2.6");
  });
});

describe("cluster_info", () => {
  const zeroBalance26 = { copy_pri: 0, copy_sec: 0, move_pri: 0, total: 0 };
  const expected = {
    metaServers: ["127.0.0.1:34601", "127.0.0.1:34602", "127.0.0.1:34603"],
    primaryMetaServer: "127.0.0.1:34601",
    zookeeperHosts: "127.0.0.1:22181",
    zookeeperRoot: "/pegasus/onebox/127.0.0.1",
    metaFunctionLevel: "steady",
    clusterName: "onebox",
  };

  test("clusterInfoCommand() reads ≤2.5 text", () => {
    const info = valueIn(
      readOne(clusterInfoCommand({ json: false }), f.clusterInfo25, { banner: f.banner25 }),
    );
    expect(info).toMatchObject(expected);
    expect(info.balanceOperationCount).toEqual({
      raw: "move_pri=0,copy_pri=0,copy_sec=0,total=0",
      counts: { move_pri: 0, copy_pri: 0, copy_sec: 0, total: 0 },
    });
    expect(info.values.total_replica_count_stddev).toBe("0.00");
  });

  test("clusterInfoCommand() reads 2.6 text with the multi-line balance block", () => {
    const info = valueIn(readOne(clusterInfoCommand({ json: false }), f.clusterInfo26));
    expect(info).toMatchObject(expected);
    expect(info.balanceOperationCount?.counts).toEqual(zeroBalance26);
    expect(info.balanceOperationCount?.raw).toBe(
      '{\n  "copy_pri": 0,\n  "copy_sec": 0,\n  "move_pri": 0,\n  "total": 0\n}',
    );
    expect(info.values.primary_replica_count_stddev).toBe("0.00");
    expect(info.values.cluster_name).toBe("onebox");
  });

  test("clusterInfoCommand() reads -j on both versions", () => {
    const v25 = valueIn(readOne(clusterInfoCommand(), f.clusterInfoJson25, { banner: f.banner25 }));
    const v26 = valueIn(readOne(clusterInfoCommand(), f.clusterInfoJson26));
    expect(v25).toMatchObject(expected);
    expect(v26).toMatchObject(expected);
    expect(v26.balanceOperationCount?.counts).toEqual(zeroBalance26);
  });

  test("clusterInfoCommand() keeps an unknown balance form raw, with counts null", () => {
    const odd = f.clusterInfoJson25.replace("move_pri=0,copy_pri=0,copy_sec=0,total=0", "n/a");
    expect(valueIn(readOne(clusterInfoCommand(), odd)).balanceOperationCount).toEqual({
      raw: "n/a",
      counts: null,
    });
  });

  test("clusterInfoCommand() turns the error line into ShellCommandFailed with a hint", () => {
    const error = errorOf(
      readOne(clusterInfoCommand(), "get cluster info failed, error=ERR_NETWORK_FAILURE\n"),
    );
    expect(error).toBeInstanceOf(ShellCommandFailed);
    expect(error).toMatchObject({
      command: "cluster_info -j",
      code: "ERR_NETWORK_FAILURE",
      line: "get cluster info failed, error=ERR_NETWORK_FAILURE",
    });
    expect(error.message).toBe(
      "Pegasus shell command `cluster_info -j` failed with ERR_NETWORK_FAILURE: get cluster info failed, error=ERR_NETWORK_FAILURE",
    );
    expect((error as ShellCommandFailed).hint).toContain("No meta answered");
  });

  test("clusterInfoCommand() refuses an unknown level and unknown output, quoting it", () => {
    const bad = f.clusterInfoJson25.replace('"steady"', '"sleepy"');
    expect(() => readOne(clusterInfoCommand(), bad)).toThrow(
      'Cannot read the output of `cluster_info -j` as a meta_function_level: found "sleepy"',
    );
    expect(() => readOne(clusterInfoCommand(), "something else\n")).toThrow(ShellOutputUnexpected);
    expect(() => readOne(clusterInfoCommand(), "something else\n")).toThrow(
      'Cannot read the output of `cluster_info -j` as [cluster_info]: found "something else"',
    );
  });
});

describe("nodes", () => {
  const node = (
    address: string,
    status: NodeStatus,
    replicas: number,
    primaries: number,
    secondaries: number,
  ) => ({
    address,
    status,
    replicaCount: replicas,
    primaryCount: primaries,
    secondaryCount: secondaries,
  });

  test("nodesCommand() reads the reference text with [parameters] and right-aligned counts", () => {
    const list = valueIn(readOne(nodesCommand({ json: false }), f.nodesWithParameters));
    expect(list).toEqual({
      nodes: [
        node("127.0.0.1:34801", "ALIVE", 12, 4, 8),
        node("127.0.0.1:34802", "ALIVE", 12, 4, 8),
        node("127.0.0.1:34803", "UNALIVE", 0, 0, 0),
      ],
      summary: { total_node_count: 3, alive_node_count: 2, unalive_node_count: 1 },
      parameters: { out_file: "onebox.nodes" },
    });
  });

  test("nodesCommand() reads the reference -j output", () => {
    expect(valueIn(readOne(nodesCommand(), f.nodesJson))).toEqual({
      nodes: [node("127.0.0.1:34801", "ALIVE", 12, 4, 8)],
      summary: { total_node_count: 3, alive_node_count: 2, unalive_node_count: 1 },
    });
  });

  test("nodesCommand() reads 2.6 host:port addresses and ≤2.5 output without -d", () => {
    const v26 = valueIn(readOne(nodesCommand({ json: false }), f.nodesDetailed26));
    expect(v26.nodes.map((n) => n.address)).toEqual([
      "replica1.example.com:34801",
      "replica2.example.com:34801",
    ]);
    expect(v26.parameters).toBeUndefined();
    const brief = valueIn(
      readOne(nodesCommand({ detailed: false, json: false }), f.nodesBrief25, {
        banner: f.banner25,
      }),
    );
    expect(brief.nodes).toEqual([
      { address: "127.0.0.1:34801", status: "ALIVE" },
      { address: "127.0.0.1:34803", status: "UNALIVE" },
    ]);
  });

  test("nodesCommand() turns its error lines into errors; ERR_UNDER_RECOVERY is MetaUnderRecovery", () => {
    const nodes = errorOf(readOne(nodesCommand(), "list nodes failed, error=ERR_TIMEOUT\n"));
    expect(nodes).toMatchObject({ code: "ERR_TIMEOUT" });
    expect(nodes).not.toBeInstanceOf(MetaUnderRecovery);
    const apps = errorOf(readOne(nodesCommand(), "list apps failed, error=ERR_UNDER_RECOVERY\n"));
    expect(apps).toBeInstanceOf(MetaUnderRecovery);
    expect((apps as MetaUnderRecovery).hint).toContain("recovery mode");
  });
});

describe("ls", () => {
  const stat = {
    appId: 1,
    name: "stat",
    status: "AVAILABLE",
    appType: "pegasus",
    partitionCount: 4,
    replicaCount: 3,
    isStateful: true,
    createTime: "2024-05-20_10:11:12",
    dropTime: "-",
    dropExpire: "-",
    envsCount: 0,
  };

  test("tablesCommand() reads the reference 2.6 text with atomic_idempotent", () => {
    const list = valueIn(readOne(tablesCommand({ detailed: false, json: false }), f.lsGeneral26));
    expect(list.tables[0]).toEqual({ ...stat, atomicIdempotent: false });
    expect(list.tables.map((t) => t.name)).toEqual(["stat", "temp"]);
    expect(list.health).toBeUndefined();
    expect(list.summary).toEqual({ total_app_count: 2 });
  });

  test("tablesCommand() reads ≤2.5 text without atomic_idempotent", () => {
    const list = valueIn(
      readOne(tablesCommand({ json: false, detailed: false }), f.lsGeneral25, {
        banner: f.banner25,
      }),
    );
    expect(list.tables[0]).toEqual(stat);
  });

  test("tablesCommand() reads ls -d text: healthy_info and the longer summary", () => {
    const list = valueIn(readOne(tablesCommand({ json: false }), f.lsDetailed26));
    expect(list.health).toEqual([
      {
        appId: 1,
        name: "stat",
        partitionCount: 4,
        fullyHealthy: 4,
        unhealthy: 0,
        writeUnhealthy: 0,
        readUnhealthy: 0,
      },
      {
        appId: 2,
        name: "temp",
        partitionCount: 8,
        fullyHealthy: 7,
        unhealthy: 1,
        writeUnhealthy: 1,
        readUnhealthy: 0,
      },
    ]);
    expect(list.summary).toEqual({
      total_app_count: 2,
      fully_healthy_app_count: 1,
      unhealthy_app_count: 1,
      write_unhealthy_app_count: 1,
      read_unhealthy_app_count: 0,
    });
  });

  test("tablesCommand() reads the reference ls -d -j", () => {
    const list = valueIn(readOne(tablesCommand(), f.lsJson));
    expect(list.tables).toEqual([{ ...stat, atomicIdempotent: false }]);
    expect(list.health?.[0]?.fullyHealthy).toBe(4);
    expect(list.summary.unhealthy_app_count).toBe(0);
  });

  test("tablesCommand() reports ERR_UNDER_RECOVERY as MetaUnderRecovery", () => {
    const error = errorOf(readOne(tablesCommand(), "list apps failed, error=ERR_UNDER_RECOVERY\n"));
    expect(error).toBeInstanceOf(MetaUnderRecovery);
    expect(error).toMatchObject({ command: "ls -d -j", code: "ERR_UNDER_RECOVERY" });
  });

  test("tablesCommand() refuses a row that does not match the titles", () => {
    const broken = f.lsGeneral26.replace(
      "2       AVAILABLE  temp",
      "2       AVAILABLE  temp extra",
    );
    expect(() => readOne(tablesCommand({ json: false }), broken)).toThrow(
      "as a row of 12 columns in [general_info]: found",
    );
  });
});

describe("server_info", () => {
  test("serverInfoCommand() reads ≤2.5 text from stderr", () => {
    const info = valueIn(
      readOne(serverInfoCommand(), "", { banner: f.banner25, stderr: f.serverInfo25Stderr }),
    );
    expect(info).toEqual({
      servers: [
        {
          role: "meta-server",
          address: "127.0.0.1:34601",
          ok: true,
          message: "Pegasus Server 2.5.0 (<git sha>) Release, Started at 2024-01-01 12:00:00",
          version: "2.5.0",
          gitSha: "<git sha>",
          buildType: "Release",
          startTime: "2024-01-01 12:00:00",
        },
        { role: "replica-server", address: "127.0.0.1:34801", ok: false, message: "ERR_TIMEOUT" },
      ],
      succeedCount: 1,
      failedCount: 1,
    });
  });

  test("serverInfoCommand() reads 2.6 JSON from stdout", () => {
    const info = valueIn(readOne(serverInfoCommand(), f.serverInfo26));
    expect(info.servers).toEqual([
      {
        role: "meta-server",
        address: "127.0.0.1:34601",
        ok: true,
        message: JSON.stringify({
          build_type: "Release",
          git_SHA: "…",
          start_time: "2024-…",
          version: "2.6.0",
        }),
        version: "2.6.0",
        gitSha: "…",
        buildType: "Release",
        startTime: "2024-…",
      },
    ]);
    expect(info).toMatchObject({ succeedCount: 1, failedCount: 0 });
  });
});

describe("get_app_envs", () => {
  test("appEnvsCommand() sends use + get_app_envs -j and reads JSON", () => {
    const command = appEnvsCommand("stat");
    expect(command.lines).toEqual(["use stat", "get_app_envs -j"]);
    expect(valueIn(readOne(command, f.appEnvsJson, { stderr: "OK\n" }))).toEqual({
      "replica.deny_client_request": "timeout*all",
      "rocksdb.usage_scenario": "bulk_load",
    });
    expect(valueIn(readOne(command, "{}\n", { stderr: "OK\n" }))).toEqual({});
  });

  test("appEnvsCommand() reads the text table, values with spaces included", () => {
    expect(valueIn(readOne(appEnvsCommand("stat"), f.appEnvsText, { stderr: "OK\n" }))).toEqual({
      "replica.deny_client_request": "timeout*all",
      "rocksdb.usage_scenario": "bulk_load",
      user_specified_compaction: "a b c, with spaces",
    });
  });

  test("appEnvsCommand() reads no output as no envs and leaves the next command's output alone", () => {
    const t = splitShellOutput(
      f.banner26 + f.clusterInfoJson26,
      "OK\n",
      [appEnvsCommand("t"), clusterInfoCommand()],
      "auto",
    );
    expect(t.results.map((r) => r.ok)).toEqual([true, true]);
    expect((t.results[0] as { value: unknown }).value).toEqual({});
  });

  test("appEnvsCommand() turns its stderr error into ShellCommandFailed", () => {
    const error = errorOf(
      readOne(appEnvsCommand("gone"), "", {
        stderr: "OK\nget app env failed with err = ERR_OBJECT_NOT_FOUND\n",
      }),
    );
    expect(error).toMatchObject({ code: "ERR_OBJECT_NOT_FOUND", command: "get_app_envs -j" });
  });

  test("appEnvsCommand() refuses a table name the shell would split", () => {
    expect(() => appEnvsCommand("a b")).toThrow(
      'Cannot build get_app_envs as "a b" is not a table name',
    );
  });
});

describe("splitting several commands", () => {
  test("splitShellOutput() splits four outputs in order, an error in the middle included", () => {
    const stdout = `${f.banner26}${f.clusterInfo26}${f.nodesDetailed26}list apps failed, error=ERR_UNDER_RECOVERY\ncurrent meta level is fl_steady\n`;
    const commands = [
      clusterInfoCommand({ json: false }),
      nodesCommand({ json: false }),
      tablesCommand(),
      getMetaLevelCommand(),
    ] as const;
    const t = splitShellOutput(stdout, "", commands, "auto");
    expect(t.results.map((r) => r.ok)).toEqual([true, true, false, true]);
    expect((t.results[3] as { value: unknown }).value).toEqual({
      level: "steady",
      raw: "fl_steady",
    });
    expect((t.results[2] as { error: unknown }).error).toBeInstanceOf(MetaUnderRecovery);
  });

  test("splitShellOutput() does not let one nodes output swallow the next one's tables", () => {
    const t = splitShellOutput(
      f.banner26 + f.nodesDetailed26 + f.nodesWithParameters,
      "",
      [nodesCommand(), nodesCommand()],
      "auto",
    );
    const [first, second] = t.results.map((r) =>
      r.ok ? (r.value as { nodes: unknown[] }).nodes.length : -1,
    );
    expect([first, second]).toEqual([2, 3]);
  });

  test("splitShellOutput() consumes an unknown subcommand's help text and goes on", () => {
    const help =
      "ERROR: invalid subcommand 'cluster_inf'\nUsage:\n\thelp\n\tversion\n\tcluster_info         [-r|--resolve_ip] [-o|--output file_name] [-j|--json]\n";
    const t = splitShellOutput(
      `${f.banner26}${help}current meta level is fl_blind\n`,
      "",
      [clusterInfoCommand(), getMetaLevelCommand()],
      "auto",
    );
    const error = (t.results[0] as { error: ShellCommandRejected }).error;
    expect(error).toBeInstanceOf(ShellCommandRejected);
    expect(error.message).toBe(
      "Pegasus shell rejected `cluster_info -j`: ERROR: invalid subcommand 'cluster_inf'",
    );
    expect(t.results[1]).toEqual({ ok: true, value: { level: "blind", raw: "fl_blind" } });
  });

  test("splitShellOutput() refuses text left after the last command, quoting it", () => {
    expect(() =>
      splitShellOutput(
        `${f.banner26}current meta level is fl_steady\nsurprise\n`,
        "",
        [getMetaLevelCommand()],
        "auto",
      ),
    ).toThrow(
      'Cannot read the output of `get_meta_level` as the end of the output: found "surprise"',
    );
  });

  test("splitShellOutput() sets unknown stderr lines aside as noise", () => {
    const stderr = "E2024-05-20 10:11:12.123 (1 2) shell: something logged\nOK\n";
    const t = splitShellOutput(
      f.banner26 + f.appEnvsJson,
      stderr,
      [appEnvsCommand("stat")],
      "auto",
    );
    expect(t.results[0]?.ok).toBe(true);
    expect(t.stderrNoise).toEqual(["E2024-05-20 10:11:12.123 (1 2) shell: something logged"]);
  });

  test("splitShellOutput() accepts CRLF output", () => {
    const t = splitShellOutput(
      (f.banner26 + f.clusterInfoJson26).replaceAll("\n", "\r\n"),
      "",
      [clusterInfoCommand()],
      "auto",
    );
    expect(t.results[0]?.ok).toBe(true);
  });
});

describe("error lines of reference §4.11", () => {
  const cases: [string, ShellCommand<unknown>, string, string][] = [
    ["ls", tablesCommand(), "list apps failed, error=ERR_UNDER_RECOVERY", "ERR_UNDER_RECOVERY"],
    ["ls", tablesCommand(), "list apps failed, error=ERR_NETWORK_FAILURE", "ERR_NETWORK_FAILURE"],
    ["nodes -d", nodesCommand(), "list apps failed, error=ERR_TIMEOUT", "ERR_TIMEOUT"],
    [
      "nodes",
      nodesCommand(),
      "list nodes failed, error=ERR_NETWORK_FAILURE",
      "ERR_NETWORK_FAILURE",
    ],
    [
      "cluster_info",
      clusterInfoCommand(),
      "get cluster info failed, error=ERR_TIMEOUT",
      "ERR_TIMEOUT",
    ],
    [
      "get_meta_level",
      getMetaLevelCommand(),
      "get meta level got error ERR_NETWORK_FAILURE",
      "ERR_NETWORK_FAILURE",
    ],
  ];
  for (const [name, command, line, code] of cases) {
    test(`${name}: "${line}" is ShellCommandFailed ${code}`, () => {
      const error = errorOf(readOne(command, `${line}\n`));
      expect(error).toBeInstanceOf(
        code === "ERR_UNDER_RECOVERY" ? MetaUnderRecovery : ShellCommandFailed,
      );
      expect(error).toMatchObject({ code, line });
    });
  }
});
