/**
 * The table, node, cluster and level commands of the simulated shell, printing exactly what the
 * real shell prints for the chosen version (reference §4.5–§4.8, §4.11): `ls`, `nodes`,
 * `cluster_info`, `get_meta_level`, `set_meta_level`, `use`, `get_app_envs`, `set_app_envs`,
 * `create`, `drop`, `version`, `exit`. Errors of the meta go to stdout as `… failed, error=ERR_…`.
 */
import { writeFileSync } from "node:fs";
import { pegasusVersionStrings } from "../encoding.ts";
import type { MetaReply } from "../rpc.ts";
import { printTable, printTables, TablePrinter } from "../table-printer.ts";
import {
  type AppView,
  appsTables,
  clusterInfoTable,
  type NodeView,
  nodesTables,
} from "../views.ts";
import {
  type Command,
  commandOptions,
  failureText,
  printError,
  type ShellContext,
} from "./context.ts";

const levelNames = ["stopped", "blind", "freezed", "steady", "lively"];

/** Writes to `-o FILE` when given, else to stdout. */
function emit(ctx: ShellContext, file: string | true | undefined, text: string): void {
  if (typeof file === "string") writeFileSync(file, text);
  else ctx.stdout(text);
}

export const ls: Command = {
  name: "ls",
  usage:
    "[-a|-all] [-d|--detailed] [-j|--json] [-o|--output file_name][-s|--status all|available|creating|dropping|dropped]",
  async run(ctx, argv) {
    const parsed = commandOptions(ctx, argv, "adjo:s:p:m:", {
      all: "a",
      detailed: "d",
      json: "j",
      output: "o",
      status: "s",
      app_name_pattern: "p",
      match_type: "m",
    });
    if (!parsed) return false;
    const o = parsed.options;
    const statusText = o.get("s");
    let status = o.has("a") ? "all" : "AS_AVAILABLE";
    if (typeof statusText === "string" && statusText !== "all") {
      status = `AS_${statusText.toUpperCase()}`;
      if (!["AS_AVAILABLE", "AS_CREATING", "AS_DROPPING", "AS_DROPPED"].includes(status)) {
        printError(ctx, `parse ${statusText} as app_status::type failed`);
        return false;
      }
    } else if (statusText === "all") status = "all";
    const reply = await ctx.client.request<MetaReply & { apps: AppView[] }>("list_apps", {
      status,
    });
    if (reply.err !== "ERR_OK") {
      ctx.stdout(`list apps failed, error=${failureText(ctx, reply, "RPC_CM_LIST_APPS")}\n`);
      return true;
    }
    const tables = appsTables(reply.apps, { detailed: o.has("d"), version: ctx.version });
    emit(ctx, o.get("o"), printTables(tables, o.has("j") ? "pretty" : "tabular"));
    return true;
  },
};

export const nodes: Command = {
  name: "nodes",
  usage:
    "[-d|--detailed] [-j|--json] [-r|--resolve_ip] [-u|--resource_usage][-o|--output file_name] [-s|--status all|alive|unalive] [-q|--qps]",
  async run(ctx, argv) {
    const parsed = commandOptions(ctx, argv, "druqjs:o:i:", {
      detailed: "d",
      resolve_ip: "r",
      resource_usage: "u",
      qps: "q",
      json: "j",
      status: "s",
      output: "o",
      sample_interval_ms: "i",
    });
    if (!parsed) return false;
    const o = parsed.options;
    const parameters = new TablePrinter("parameters");
    const status = o.get("s");
    const file = o.get("o");
    if (typeof status === "string") parameters.addPair("status", status);
    if (typeof file === "string") parameters.addPair("out_file", file);
    let wanted = "all";
    if (typeof status === "string" && status !== "all") {
      wanted = status.toUpperCase();
      if (wanted !== "ALIVE" && wanted !== "UNALIVE") {
        printError(ctx, `parse ${status} as node_status::type failed`);
        return false;
      }
    }
    if (o.has("u") || o.has("q")) {
      ctx.stderr("the sandbox does not simulate resource usage or qps\n");
      return true;
    }
    const reply = await ctx.client.request<MetaReply & { nodes: NodeView[] }>("list_nodes", {
      status: wanted,
    });
    if (reply.err !== "ERR_OK") {
      ctx.stdout(`list nodes failed, error=${reply.err}\n`);
      return true;
    }
    let apps: AppView[] | null = null;
    if (o.has("d")) {
      const listed = await ctx.client.request<MetaReply & { apps: AppView[] }>("list_apps", {
        status: "AS_AVAILABLE",
      });
      if (listed.err !== "ERR_OK") {
        ctx.stdout(`list apps failed, error=${failureText(ctx, listed, "RPC_CM_LIST_APPS")}\n`);
        return true;
      }
      apps = listed.apps;
    }
    const tables = nodesTables(reply.nodes, apps);
    if (typeof status === "string" || typeof file === "string") tables.unshift(parameters);
    emit(ctx, file, printTables(tables, o.has("j") ? "pretty" : "tabular"));
    return true;
  },
};

export const clusterInfo: Command = {
  name: "cluster_info",
  usage: "[-r|--resolve_ip] [-o|--output file_name] [-j|--json]",
  async run(ctx, argv) {
    const parsed = commandOptions(ctx, argv, "rjo:", { resolve_ip: "r", json: "j", output: "o" });
    if (!parsed) return false;
    const reply = await ctx.client.request<MetaReply & { pairs: [string, string][] }>(
      "cluster_info",
      {},
    );
    if (reply.err !== "ERR_OK") {
      ctx.stdout(`get cluster info failed, error=${reply.err}\n`);
      return true;
    }
    const format = parsed.options.has("j") ? "pretty" : "tabular";
    emit(ctx, parsed.options.get("o"), printTable(clusterInfoTable(reply.pairs), format));
    return true;
  },
};

export const setMetaLevel: Command = {
  name: "set_meta_level",
  usage: "<stopped|blind|freezed|steady|lively>",
  async run(ctx, argv) {
    const level = argv[1];
    if (level === undefined) return false;
    if (!levelNames.includes(level)) {
      printError(ctx, `parse ${level} as meta function level failed`);
      return false;
    }
    const reply = await ctx.client.request<MetaReply & { old_level: string }>("control_meta", {
      level,
    });
    ctx.stdout(
      reply.err === "ERR_OK"
        ? `control meta level ok, the old level is ${reply.old_level}\n`
        : `control meta level got error ${reply.err}\n`,
    );
    return true;
  },
};

export const getMetaLevel: Command = {
  name: "get_meta_level",
  usage: "",
  async run(ctx) {
    const reply = await ctx.client.request<MetaReply & { old_level: string }>("control_meta", {
      level: "invalid",
    });
    ctx.stdout(
      reply.err === "ERR_OK"
        ? `current meta level is ${reply.old_level}\n`
        : `get meta level got error ${reply.err}\n`,
    );
    return true;
  },
};

export const use: Command = {
  name: "use",
  usage: "[app_name]",
  run(ctx, argv) {
    if (argv.length === 1) {
      if (!ctx.currentApp) {
        ctx.stderr("Current app not specified.\n");
        return false;
      }
      ctx.stderr(`Current app: ${ctx.currentApp}\n`);
      return true;
    }
    if (argv.length > 2) return false;
    ctx.currentApp = argv[1] as string;
    ctx.stderr("OK\n");
    return true;
  },
};

export const getAppEnvs: Command = {
  name: "get_app_envs",
  usage: "[-j|--json]",
  async run(ctx, argv) {
    const parsed = commandOptions(ctx, argv, "j", { json: "j" });
    if (!parsed) return false;
    if (!ctx.currentApp) {
      ctx.stderr("No app is using now\nUSAGE: use [app_name]\n");
      return true;
    }
    const reply = await ctx.client.request<MetaReply & { envs: Record<string, string> }>(
      "app_envs",
      { app_name: ctx.currentApp },
    );
    if (reply.err !== "ERR_OK") {
      // The real client lists the available apps and looks the name up itself, so a missing
      // table is ERR_OBJECT_NOT_FOUND there (replication_ddl_client::get_app_envs), not the
      // meta's ERR_APP_NOT_EXIST that set_app_envs gets.
      const err = reply.err === "ERR_APP_NOT_EXIST" ? "ERR_OBJECT_NOT_FOUND" : reply.err;
      ctx.stderr(`get app env failed with err = ${err}\n`);
      return true;
    }
    const table = new TablePrinter("app_envs");
    for (const key of Object.keys(reply.envs).sort()) table.addPair(key, reply.envs[key] as string);
    ctx.stdout(printTable(table, parsed.options.has("j") ? "pretty" : "tabular"));
    return true;
  },
};

export const setAppEnvs: Command = {
  name: "set_app_envs",
  usage: "<key> <value> [key value...]",
  async run(ctx, argv) {
    if (!ctx.currentApp) {
      ctx.stderr("No app is using now\nUSAGE: use [app_name]\n");
      return true;
    }
    if (argv.length < 3) return false;
    if ((argv.length - 1) % 2 === 1) {
      ctx.stderr(`need speficy the value for key = ${argv[argv.length - 1]}\n`);
      return true;
    }
    const set: Record<string, string> = {};
    for (let i = 1; i < argv.length; i += 2) set[argv[i] as string] = argv[i + 1] as string;
    const reply = await ctx.client.request("app_envs", { app_name: ctx.currentApp, set });
    if (reply.err === "ERR_OK") ctx.stdout("set app envs succeed\n");
    else ctx.stderr(`set app envs failed with error ${reply.err} [hint:""]!\n`);
    return true;
  },
};

export const version: Command = {
  name: "version",
  usage: "",
  run(ctx) {
    ctx.stdout(`Pegasus Shell ${pegasusVersionStrings[ctx.version]}\n`);
    return true;
  },
};

export const exit: Command = {
  name: "exit",
  usage: "",
  run(ctx) {
    ctx.exit();
    return true;
  },
};
