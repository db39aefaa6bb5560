/**
 * The sandbox against upstream (apache/incubator-pegasus v2.5.0 and master = 2.6.0-SNAPSHOT) where
 * it used to differ, and read back by the tool's own parsers: each test names the upstream code.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { $ } from "zx";
import {
  getMetaLevelCommand,
  type MetaLevel,
  ShellCommandFailed,
  ShellCommandRejected,
  setMetaLevelCommand,
  splitShellOutput,
  tablesCommand,
} from "../../lib/shell/index.ts";
import { encodePartition, newAppInfo, newPartition, type PegasusVersion } from "./encoding.ts";
import { cliPath } from "./layout.ts";
import { readMetaOptions } from "./meta/options.ts";
import { dropPartition } from "./meta/state.ts";

/** The simulated shell against a meta list nobody answers at. */
async function shellAlone(version: PegasusVersion, input: string) {
  const out = await $({
    input,
    nothrow: true,
    quiet: true,
  })`${process.execPath} ${cliPath} shell --pegasus ${version} --cluster 127.0.0.1:1`;
  return { stdout: out.stdout, stderr: out.stderr, exitCode: out.exitCode };
}

describe("the simulated shell without a meta", () => {
  test.each(["2.5", "2.6"] as const)(
    "%s: set_meta_level with a bad level errs on stderr (2.6: ANSI ERROR:), USAGE on stdout; the tool reads it",
    async (version) => {
      const out = await shellAlone(version, "set_meta_level sleepy\nget_meta_level\n");
      // master rebalance.cpp set_meta_level → SHELL_PRINTLN_ERROR; v2.5.0 → verify_logged.
      expect(out.stderr).toBe(
        version === "2.6"
          ? "\x1b[1m\x1b[38;2;255;000;000mERROR: parse sleepy as meta function level failed\n\x1b[0m"
          : "parse sleepy as meta function level failed\n",
      );
      const width = version === "2.6" ? 25 : 22;
      expect(out.stdout).toContain(
        `USAGE: \tset_meta_level${" ".repeat(width + 2 - 14)}<stopped|blind|freezed|steady|lively>\n`,
      );
      const [set, get] = splitShellOutput(
        out.stdout,
        out.stderr,
        [setMetaLevelCommand("sleepy" as MetaLevel), getMetaLevelCommand()],
        version,
      ).results;
      expect(set?.ok === false && set.error).toBeInstanceOf(ShellCommandRejected);
      expect(get?.ok === false && get.error.message).toContain("ERR_NETWORK_FAILURE");
    },
    30_000,
  );

  test("2.6: a failed list_apps RPC prints the error_s message, which the tool reads as its code", async () => {
    const out = await shellAlone("2.6", "ls -d -j\n");
    // replication_ddl_client.h request_meta_and_wait_response: FMT_ERR(…, "request meta failed: …").
    expect(out.stdout).toContain(
      "list apps failed, error=ERR_NETWORK_FAILURE: request meta failed: task=RPC_CM_LIST_APPS, error=ERR_NETWORK_FAILURE\n",
    );
    const [ls] = splitShellOutput(out.stdout, out.stderr, [tablesCommand()], "2.6").results;
    expect(ls?.ok === false && ls.error).toBeInstanceOf(ShellCommandFailed);
    expect(ls?.ok === false && (ls.error as ShellCommandFailed).code).toBe("ERR_NETWORK_FAILURE");
  }, 30_000);

  test("2.6: the banner says 2.6.0-SNAPSHOT; an empty line prints Invalid argument(s), a final newline does not", async () => {
    const out = await shellAlone("2.6", "version\n\nversion\n");
    expect(out.stdout).toStartWith("Pegasus Shell 2.6.0-SNAPSHOT\n");
    // src/shell/args.h scanfCommand: nullptr for an empty line; main.cpp run(): "Invalid argument(s)".
    expect(out.stdout).toEndWith(
      "Pegasus Shell 2.6.0-SNAPSHOT\nInvalid argument(s)\nPegasus Shell 2.6.0-SNAPSHOT\n",
    );
  }, 30_000);
});

describe("encodings", () => {
  test("dropPartition() drops the secondaries, then the primary (server_state::drop_partition)", () => {
    const pc = { ...newPartition(newAppInfo({ app_id: 1, app_name: "t", partition_count: 1 }), 0) };
    const dropped = dropPartition({ ...pc, primary: "p:1", secondaries: ["s1:1", "s2:1"] });
    expect(dropped.last_drops).toEqual(["s1:1", "s2:1", "p:1"]);
    expect(dropped.partition_flags).toBe(1);
  });

  test("encodePartition() on 2.6 writes ip:port in the plain fields and the host name in hp_*", () => {
    const pc = newPartition(newAppInfo({ app_id: 1, app_name: "t", partition_count: 1 }), 0);
    const named = (a: string) => a.replace("127.0.0.1", "localhost");
    const json = JSON.parse(
      encodePartition(
        {
          ...pc,
          primary: "127.0.0.1:1",
          secondaries: ["127.0.0.1:2"],
          last_drops: ["127.0.0.1:3"],
        },
        "2.6",
        named,
      ),
    );
    expect(json).toMatchObject({
      primary: "127.0.0.1:1",
      secondaries: ["127.0.0.1:2"],
      last_drops: ["127.0.0.1:3"],
      hp_primary: "localhost:1",
      hp_secondaries: ["localhost:2"],
      hp_last_drops: ["localhost:3"],
    });
  });

  test("readMetaOptions() skips [meta_server.apps.*] without app_name and reads stateful and envs (initialize_default_apps)", () => {
    const dir = mkdtempSync(join(tmpdir(), "pzm-fidelity-"));
    try {
      const file = join(dir, "config.ini");
      writeFileSync(
        file,
        "[apps.meta]\nports = 34601\n[meta_server]\ndistributed_lock_service_parameters = /l\n" +
          "[meta_server.apps.a]\napp_type = pegasus\n" +
          "[meta_server.apps.b]\napp_name = b\napp_type = pegasus\nstateful = false\nenvs = k1=v1,k2=v2\n",
      );
      expect(readMetaOptions(file).defaultApps).toEqual([
        {
          app_name: "b",
          app_type: "pegasus",
          partition_count: 1,
          max_replica_count: 3,
          is_stateful: false,
          envs: { k1: "v1", k2: "v2" },
        },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
