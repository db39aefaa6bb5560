/**
 * What `check` and step 1 must catch before anything changes (issue 11, items 1 and 3): a target
 * list naming the source ensemble under another spelling, a target parent path whose ACL refuses
 * our credentials, and digest-protected nodes the target credentials could not finish copying.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseDigest } from "../../lib/zk/index.ts";
import { type Sandbox, startSandbox } from "../sandbox/sandbox.ts";
import { runTool, treeStamps, withSession } from "./tool.ts";

let s: Sandbox;
beforeAll(async () => {
  s = await startSandbox({ metas: 3, replicas: 3, tables: 2 });
});
afterAll(() => s?.stop());

/** A copy of the sandbox's inventory with one line changed. */
function inventoryWith(name: string, from: string, to: string): string {
  const file = join(s.dir, name);
  const text = readFileSync(s.inventoryFile, "utf8");
  expect(text).toContain(from);
  writeFileSync(file, text.replace(from, to));
  return file;
}

async function failedChecks(inventory: string, env: Record<string, string> = {}) {
  const run = await runTool(["check", "-i", inventory, "--method", "copy", "--json"], { env });
  const failed = run.events
    .filter((e) => e.kind === "check" && e.ok === false)
    .map((e) => `${e.title}: ${e.evidence}`);
  return { exitCode: run.exitCode, failed };
}

/**
 * What a refused run must leave untouched: the target tree and every config (the source tree is
 * the live cluster's: a loaded machine's metas rewrite partition configs there on their own; the
 * tool's first change would stop a follower, which the caller checks).
 */
async function fingerprint() {
  return {
    target: await treeStamps(s.target, "/"),
    configs: s.layout.metas.map((m) => readFileSync(m.config, "utf8")),
  };
}

describe("overlapping ensembles", () => {
  test("validate, check and run refuse a target that is the source spelt another way", async () => {
    const port = s.source.split(":")[1] as string;
    const spelt = inventoryWith("spelt.yaml", `target: ${s.target}`, `target: localhost:${port}`);
    const validate = await runTool(["validate", "-i", spelt]);
    expect(validate.exitCode).toBe(2);
    expect(validate.stderr).toMatch(
      new RegExp(
        `spelt\\.yaml:\\d+: zookeeper\\.target: expected an ensemble that shares no server with source; found localhost:${port}, which is source's 127\\.0\\.0\\.1:${port}`,
      ),
    );

    const mixed = inventoryWith(
      "mixed.yaml",
      `target: ${s.target}`,
      `target: ${s.target},localhost:${port}`,
    );
    const check = await failedChecks(mixed);
    expect(check.exitCode).toBe(3);
    expect(check.failed).toContain(
      `The source and target lists name two different ensembles: target server localhost:${port} belongs to the source's ensemble (it knows a session 127.0.0.1:${port} created)`,
    );

    const before = await fingerprint();
    const run = await runTool(["run", "-i", mixed, "--method", "copy", "--yes"]);
    expect(run.exitCode).toBe(3);
    expect(run.stderr).toContain("The source and target lists name two different ensembles");
    expect(await fingerprint()).toEqual(before);
    expect(s.layout.metas.map((m) => s.isMetaRunning(m.task))).toEqual([true, true, true]);
  });
});

describe("plan", () => {
  test("plan's create count and copy count agree: missing parents are named", async () => {
    const plan = await runTool(["plan", "-i", s.inventoryFile, "--method", "copy"]);
    expect(plan.exitCode).toBe(0);
    const creates = [...plan.stdout.matchAll(/zk target: would create (\d+) /g)].map((m) =>
      Number(m[1]),
    );
    // Twice the same copy into the empty target: copy/02's pre-copy and copy/04's.
    const copies = [
      ...plan.stdout.matchAll(
        /would copy (\d+) znodes plus 1 missing parent \(\/pegasus\) \((\d+) created,/g,
      ),
    ].map((m) => [Number(m[1]), Number(m[2])] as const);
    expect(copies).toHaveLength(2);
    const [copied, created] = copies[0] as readonly [number, number];
    expect(copies[1]).toEqual([copied, created]);
    expect(creates.reduce((a, b) => a + b, 0)).toBe(2 * created);
    expect(created).toBe(copied + 1);
  });
});

describe("credentials", () => {
  test("check names a target parent path whose ACL refuses our credentials", async () => {
    await withSession(s.target, (zk) =>
      zk.create({
        path: "/pegasus",
        data: new Uint8Array(),
        acl: [
          { perms: 1, scheme: "world", id: "anyone" },
          { perms: 31, scheme: "digest", id: parseDigest("mallory:secret").id },
        ],
        flags: 0,
      }),
    );
    try {
      const check = await failedChecks(s.inventoryFile);
      expect(check.exitCode).toBe(3);
      expect(check.failed).toEqual([
        `The tool's credentials read every source node and create the copy on the target: /pegasus on the target grants an unauthenticated session no CREATE (world:anyone:r,digest:mallory:x:cdrwa); set zookeeper.auth.target_env to a user those ACLs grant`,
      ]);
    } finally {
      await withSession(s.target, (zk) => zk.delete("/pegasus", -1));
    }
  });

  test("check refuses digest-protected source nodes when only the source has credentials", async () => {
    const alice = parseDigest("alice:secret");
    const secret = `${s.root}/pzm-secret`;
    await withSession(s.source, async (zk) => {
      await zk.create({
        path: secret,
        data: new Uint8Array(),
        acl: [{ perms: 31, scheme: "digest", id: alice.id }],
        flags: 0,
      });
    });
    try {
      const sourceOnly = inventoryWith(
        "source-auth.yaml",
        `target: ${s.target}`,
        `target: ${s.target}\n  auth: { source_env: PZM_TEST_ALICE }`,
      );
      // A leaf: the copy can create it, but not read it back for the verification.
      const leaf = await failedChecks(sourceOnly, { PZM_TEST_ALICE: "alice:secret" });
      expect(leaf.exitCode).toBe(3);
      expect(leaf.failed).toEqual([
        `The tool's credentials read every source node and create the copy on the target: 1 source nodes would give an unauthenticated session no READ for the verification once copied: ${secret} (digest:${alice.id}:cdrwa); set zookeeper.auth.target_env to a user those ACLs grant`,
      ]);
      const noAuth = await failedChecks(s.inventoryFile);
      expect(noAuth.failed).toEqual([
        `The tool's credentials read every source node and create the copy on the target: on the source: Cannot read ${secret} on the source ensemble (${s.source}) as the server answers NoAuth: the source session has no READ permission there; set zookeeper.auth.source_env to a user with READ and ADMIN on every node`,
      ]);
      const both = inventoryWith(
        "both-auth.yaml",
        `target: ${s.target}`,
        `target: ${s.target}\n  auth: { source_env: PZM_TEST_ALICE, target_env: PZM_TEST_ALICE }`,
      );
      expect(await failedChecks(both, { PZM_TEST_ALICE: "alice:secret" })).toEqual({
        exitCode: 0,
        failed: [],
      });
    } finally {
      await withSession(s.source, (zk) => zk.delete(secret, -1)); // DELETE is the parent's
    }
  });
});
