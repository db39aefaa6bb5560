/**
 * The `recover` algorithm (reference §8.4) on hand-made node reports: primary choice, last_drops,
 * `name__id` renames, drop holders, ERR_TRY_AGAIN hints and the skip flags.
 */
import { describe, expect, test } from "bun:test";
import { newAppInfo } from "./encoding.ts";
import { type NodeReport, recoverFromReports } from "./meta/recovery.ts";
import type { ReplicaInfo } from "./rpc.ts";

const replica = (app_id: number, pidx: number, ballot: number, decree = 10): ReplicaInfo => ({
  app_id,
  pidx,
  ballot,
  status: "PS_INACTIVE",
  last_committed_decree: decree,
  last_prepared_decree: decree,
  last_durable_decree: decree,
});
const options = { skipBadNodes: false, skipLostPartitions: false, nowSecond: 1_700_000_000 };
const temp = newAppInfo({ app_id: 3, app_name: "temp", partition_count: 2 });

describe("recoverFromReports()", () => {
  const reports: NodeReport[] = [
    { node: "n1:1", apps: [temp], replicas: [replica(3, 0, 5), replica(3, 1, 4)] },
    { node: "n2:1", apps: [temp], replicas: [replica(3, 0, 7), replica(3, 1, 4, 12)] },
    { node: "n3:1", apps: [temp], replicas: [replica(3, 0, 6)] },
  ];

  test("makes the greatest replica primary with its ballot, the next ones last_drops, no secondaries", () => {
    const outcome = recoverFromReports(reports, options);
    expect(outcome.err).toBe("ERR_OK");
    const pcs = outcome.apps.find((a) => a.info.app_id === 3)?.partitions;
    expect(pcs?.[0]).toMatchObject({
      primary: "n2:1",
      ballot: 7,
      secondaries: [],
      last_drops: ["n1:1", "n3:1"],
    });
    expect(pcs?.[1]).toMatchObject({ primary: "n2:1", ballot: 4, last_drops: ["n1:1"] });
    expect(outcome.hint).toBe(
      "WARNING: partition(3.1) only collects 2/3 of replicas, may lost data\n",
    );
  });

  test("holds ids nobody reported with __drop_holder__<id> and marks reported tables CREATING", () => {
    const outcome = recoverFromReports(reports, options);
    expect(
      outcome.apps.map((a) => [
        a.info.app_id,
        a.info.app_name,
        a.info.status,
        a.info.partition_count,
      ]),
    ).toEqual([
      [1, "__drop_holder__1", "AS_DROPPING", 1],
      [2, "__drop_holder__2", "AS_DROPPING", 1],
      [3, "temp", "AS_CREATING", 2],
    ]);
    expect(outcome.apps[0]?.info.expire_second).toBe(options.nowSecond);
    expect(outcome.apps[0]?.partitions[0]).toMatchObject({ ballot: 0, primary: null });
  });

  test("keeps a clashing name on the highest id and renames the others name__id", () => {
    const old = newAppInfo({ app_id: 1, app_name: "temp", partition_count: 1 });
    const outcome = recoverFromReports(
      [
        {
          node: "n1:1",
          apps: [old, temp],
          replicas: [replica(1, 0, 2), replica(3, 0, 3), replica(3, 1, 3)],
        },
      ],
      options,
    );
    expect(outcome.apps.map((a) => a.info.app_name)).toEqual([
      "temp__1",
      "__drop_holder__2",
      "temp",
    ]);
    expect(outcome.hint).toContain(
      "WARNING: app(1)'s old name(temp) is conflict with others, rename it to (temp__1)\n",
    );
  });

  test("answers ERR_TRY_AGAIN for an unreachable node unless skip_bad_nodes", () => {
    const bad: NodeReport[] = [...reports, { node: "n4:1", error: "ERR_NETWORK_FAILURE" }];
    const refused = recoverFromReports(bad, options);
    expect(refused.err).toBe("ERR_TRY_AGAIN");
    expect(refused.hint).toBe(
      "ERROR: collect app and replica info from node(n4:1) failed with err(ERR_NETWORK_FAILURE), you can skip it by set skip_bad_nodes option\n",
    );
    const skipped = recoverFromReports(bad, { ...options, skipBadNodes: true });
    expect(skipped.err).toBe("ERR_OK");
    expect(skipped.hint).toStartWith(
      "WARNING: collect app and replica info from node(n4:1) failed with err(ERR_NETWORK_FAILURE), skip the bad node\n",
    );
  });

  test("answers ERR_TRY_AGAIN for a partition without replica unless skip_lost_partitions", () => {
    const lost: NodeReport[] = [{ node: "n1:1", apps: [temp], replicas: [replica(3, 0, 5)] }];
    expect(recoverFromReports(lost, options)).toMatchObject({
      err: "ERR_TRY_AGAIN",
      hint: expect.stringContaining(
        "ERROR: partition(3.1) has no replica collected, you can force recover it by set skip_lost_partitions option\n",
      ),
    });
    const forced = recoverFromReports(lost, { ...options, skipLostPartitions: true });
    expect(forced.err).toBe("ERR_OK");
    expect(forced.hint).toContain(
      "WARNING: partition(3.1) has no replica collected, force recover the lost partition to empty\n",
    );
    expect(forced.apps[2]?.partitions[1]).toMatchObject({
      ballot: 0,
      primary: null,
      last_drops: [],
    });
  });
});

describe("recoverFromReports() as master server_state.cpp", () => {
  test("2.6 bad-node hints end without a newline (sync_apps_from_replica_nodes); 2.5 with one", () => {
    const bad: NodeReport[] = [
      { node: "a:1", error: "ERR_NETWORK_FAILURE" },
      { node: "b:1", error: "ERR_TIMEOUT" },
    ];
    const line = (n: string, e: string) =>
      `ERROR: collect app and replica info from node(${n}) failed with err(${e}), you can skip it by set skip_bad_nodes option`;
    const both = [line("a:1", "ERR_NETWORK_FAILURE"), line("b:1", "ERR_TIMEOUT")];
    expect(recoverFromReports(bad, { ...options, version: "2.6" }).hint).toBe(both.join(""));
    expect(recoverFromReports(bad, { ...options, version: "2.5" }).hint).toBe(
      `${both.join("\n")}\n`,
    );
  });

  test("renames in a loop until free (construct_apps), holders keep init_partition_count -1, partitions last_committed_decree 0 (construct_replica)", () => {
    const app = (id: number, name: string) =>
      newAppInfo({ app_id: id, app_name: name, partition_count: 1 });
    const outcome = recoverFromReports(
      [
        {
          node: "n1:1",
          apps: [app(2, "t"), app(4, "t"), app(5, "t__2")],
          replicas: [replica(2, 0, 3, 77), replica(4, 0, 3), replica(5, 0, 3)],
        },
      ],
      options,
    );
    expect(outcome.apps.map((a) => a.info.app_name)).toEqual([
      "__drop_holder__1",
      "t__2__2",
      "__drop_holder__3",
      "t",
      "t__2",
    ]);
    expect(outcome.hint).toContain(
      "WARNING: app(2)'s old name(t) is conflict with others, rename it to (t__2__2)\n",
    );
    expect(outcome.apps[0]?.info.init_partition_count).toBe(-1);
    expect(outcome.apps[1]?.partitions[0]).toMatchObject({ ballot: 3, last_committed_decree: 0 });
  });
});
