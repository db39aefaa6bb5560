/**
 * `create` and `drop` of the simulated shell: `create` waits, as upstream does, until every
 * partition has a primary and enough secondaries, printing its progress every 2 seconds.
 */
import type { MetaReply } from "../rpc.ts";
import type { AppView } from "../views.ts";
import { type Command, commandOptions } from "./context.ts";

export const create: Command = {
  name: "create",
  usage:
    "<app_name> [-p|--partition_count num] [-r|--replica_count num] [-f|--fail_if_exist] [-e|--envs k1=v1,k2=v2...]",
  async run(ctx, argv) {
    const parsed = commandOptions(ctx, argv, "p:r:fe:", {
      partition_count: "p",
      replica_count: "r",
      fail_if_exist: "f",
      envs: "e",
    });
    const name = parsed?.operands[0];
    if (!parsed || name === undefined) return false;
    const o = parsed.options;
    const partitions = Number(o.get("p") ?? 4);
    const replicas = Number(o.get("r") ?? 3);
    const envs = Object.fromEntries(
      String(o.get("e") ?? "")
        .split(",")
        .filter(Boolean)
        .map((kv) => kv.split("=") as [string, string]),
    );
    const reply = await ctx.client.request("create_app", {
      app_name: name,
      partition_count: partitions,
      replica_count: replicas,
      envs,
      success_if_exist: !o.has("f"),
    });
    if (reply.err !== "ERR_OK") {
      ctx.stdout(`create app ${name} failed: [create] received server error: ${reply.err}\n`);
      return true;
    }
    ctx.stdout(`create app ${name} succeed, waiting for app ready\n`);
    for (let waited = 0; waited < 60; waited += 2) {
      await Bun.sleep(2000);
      const listed = await ctx.client.request<MetaReply & { apps: AppView[] }>("list_apps", {
        status: "AS_AVAILABLE",
      });
      const app = listed.apps?.find((a) => a.info.app_name === name);
      const ready = (app?.partitions ?? []).filter(
        (pc) => pc.primary && pc.secondaries.length + 1 >= replicas,
      ).length;
      if (ready === partitions) {
        ctx.stdout(`${name} is ready now: (${ready}/${partitions})\n${name} is ready now!\n`);
        return true;
      }
      ctx.stdout(`${name} not ready yet, still waiting... (${ready}/${partitions})\n`);
    }
    return true;
  },
};

export const drop: Command = {
  name: "drop",
  usage: "<app_name> [-r|--reserve_seconds num]",
  async run(ctx, argv) {
    const parsed = commandOptions(ctx, argv, "r:", { reserve_seconds: "r" });
    const name = parsed?.operands[0];
    if (!parsed || name === undefined) return false;
    const reserve = parsed.options.get("r");
    const reply = await ctx.client.request("drop_app", {
      app_name: name,
      ...(typeof reserve === "string" ? { reserve_seconds: Number(reserve) } : {}),
    });
    ctx.stdout(
      reply.err === "ERR_OK"
        ? `drop app ${name} succeed\n`
        : `drop app ${name} failed, error=${reply.err}\n`,
    );
    return true;
  },
};
