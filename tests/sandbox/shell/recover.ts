/**
 * `recover`, `server_info` / `remote_command server-info`, `create` and `drop` of the simulated
 * shell (reference §4.9, §4.10). `recover` prints its header, one `Wait recovery for N seconds`
 * per second while the meta works, then `Recover result: ERR_…` and the meta's hints between
 * `=====` lines; argument and file errors go to stderr. `server_info` prints text on stderr in
 * 2.5 and sorted 2-space JSON on stdout in 2.6.
 */

import { readFileSync, writeFileSync } from "node:fs";
import { resolveAddress } from "../host-names.ts";
import { call, type MetaReply, RpcFailed } from "../rpc.ts";
import type { NodeView } from "../views.ts";
import { type Command, commandOptions, type ShellContext } from "./context.ts";

const ipPort = /^\d{1,3}(\.\d{1,3}){3}:\d{1,5}$/;
const hostPort = /^[A-Za-z0-9_.-]+:\d{1,5}$/;
const line = "=============================\n";

export const recover: Command = {
  name: "recover",
  usage:
    "[-f|--node_list_file file_name] [-s|--node_list_str str] [-w|--wait_seconds num] [-b|--skip_bad_nodes] [-l|--skip_lost_partitions] [-o|--output file_name]",
  async run(ctx, argv) {
    const parsed = commandOptions(ctx, argv, "f:s:w:o:bl", {
      node_list_file: "f",
      node_list_str: "s",
      wait_seconds: "w",
      skip_bad_nodes: "b",
      skip_lost_partitions: "l",
      output: "o",
    });
    if (!parsed) return false;
    const o = parsed.options;
    const [file, list, waitText, output] = ["f", "s", "w", "o"].map((k) => {
      const v = o.get(k);
      return typeof v === "string" ? v : "";
    }) as [string, string, string, string];
    let wait = 100;
    if (waitText) {
      if (!/^-?\d+$/.test(waitText)) {
        ctx.stderr(`parse ${waitText} as wait_seconds failed\n`);
        return false;
      }
      wait = Number(waitText);
    }
    if (wait <= 0) {
      ctx.stderr(`invalid wait_seconds ${wait}, should be positive number\n`);
      return false;
    }
    if (!file && !list) {
      ctx.stderr("should specify one of node_list_file/node_list_str\n");
      return false;
    }
    if (file && list) {
      ctx.stderr("should only specify one of node_list_file/node_list_str\n");
      return false;
    }
    const valid = (node: string) => (ctx.version === "2.5" ? ipPort : hostPort).test(node);
    const kind = ctx.version === "2.5" ? "ip:port" : "host:port";
    const nodes: string[] = [];
    if (list) {
      const tokens = list.split(",").filter(Boolean);
      if (tokens.length === 0) {
        ctx.stderr("can't parse node from node_list_str\n");
        return true;
      }
      for (const token of tokens) {
        if (!valid(token)) {
          ctx.stderr(`parse ${token} as a ${kind} node failed\n`);
          return true;
        }
        nodes.push(token);
      }
    } else {
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch {
        ctx.stderr(`open file ${file} failed\n`);
        return true;
      }
      const lines = text.split("\n");
      if (lines[lines.length - 1] === "") lines.pop();
      for (const [i, raw] of lines.entries()) {
        const entry = raw.trim();
        if (!entry || entry.startsWith("#") || entry.startsWith(";")) continue;
        if (!valid(entry)) {
          ctx.stderr(`parse ${entry} at file ${file} line ${i + 1} as ${kind} failed\n`);
          return true;
        }
        nodes.push(entry);
      }
      if (nodes.length === 0) {
        ctx.stderr(`no node specified in file ${file}\n`);
        return true;
      }
    }
    let text = "";
    const out = (s: string) => {
      if (output) text += s;
      else ctx.stdout(s);
    };
    const set: string[] = [];
    for (const node of nodes) {
      if (set.includes(node)) out(`duplicate replica node ${node}, just ingore it\n`);
      else set.push(node);
    }
    out(
      `Wait seconds: ${wait}\nSkip bad nodes: ${o.has("b")}\nSkip lost partitions: ${o.has("l")}\n`,
    );
    out(`Node list:\n${line}${set.map((n) => `${n}\n`).join("")}${line}`);
    // do_recovery sends each node's IP too (ADD_IP_AND_HOST_PORT_BY_DNS); the meta calls the IP.
    const ips = await Promise.all(set.map((n) => resolveAddress(n).catch(() => n)));
    const request = { nodes: ips, skip_bad_nodes: o.has("b"), skip_lost_partitions: o.has("l") };
    const pending = ctx.client.request<MetaReply & { hint_message: string }>(
      "start_recovery",
      request,
      wait * 1000,
    );
    let reply: (MetaReply & { hint_message?: string }) | null = null;
    pending.then((r) => {
      reply = r;
    });
    for (let i = 0; i < wait && reply === null; i++) {
      await Promise.race([pending, Bun.sleep(1000)]);
      if (reply === null) out(`Wait recovery for ${i} seconds\n`);
    }
    const result = reply as (MetaReply & { hint_message?: string }) | null;
    let err = "ERR_TIMEOUT";
    if (result === null || result.err === "ERR_TIMEOUT" || result.err === "ERR_NETWORK_FAILURE") {
      out("Wait recovery failed, administrator should check the meta for progress\n");
    } else {
      err = result.err;
      out(`Recover result: ${err}\n`);
      if (result.hint_message) out(`${line}${result.hint_message}${line}`);
    }
    if (output) {
      writeFileSync(output, text);
      ctx.stdout(`recover complete with err = ${err}\n`);
    }
    return true;
  },
};

/** `remote_command [-t type] [-l list] [-r] server-info`; `server_info` adds the command. */
export const remoteCommand: Command = {
  name: "remote_command",
  usage:
    "[-t all|meta-server|replica-server] [-r|--resolve_ip] [-l ip:port,ip:port...]<command> [arguments...]",
  async run(ctx, argv) {
    const parsed = commandOptions(ctx, argv, "t:l:r", {
      node_type: "t",
      node_list: "l",
      resolve_ip: "r",
    });
    if (!parsed) return false;
    let type = parsed.options.get("t");
    const list = parsed.options.get("l");
    if (typeof type === "string" && typeof list === "string") {
      ctx.stderr("can not specify both node_type and node_list\n");
      return false;
    }
    if (type === undefined && list === undefined) type = "all";
    if (typeof type === "string" && !["all", "meta-server", "replica-server"].includes(type)) {
      ctx.stderr("invalid type, should be: all | meta-server | replica-server\n");
      return false;
    }
    const [command, ...args] = parsed.operands;
    if (command === undefined) {
      ctx.stderr("command not specified\n");
      return false;
    }
    const targets: { role: string; address: string }[] = [];
    if (typeof type === "string") {
      if (type !== "replica-server")
        for (const m of ctx.metas) targets.push({ role: "meta-server", address: m });
      if (type !== "meta-server") {
        const reply = await ctx.client.request<MetaReply & { nodes: NodeView[] }>("list_nodes", {
          status: "ALIVE",
        });
        if (reply.err !== "ERR_OK") {
          ctx.stderr(
            `ERROR: list node failed: ${reply.err}\nprepare nodes failed, type = ${type}\n`,
          );
          return true;
        }
        for (const n of reply.nodes) targets.push({ role: "replica-server", address: n.address });
      }
    } else {
      for (const token of String(list).split(",").filter(Boolean))
        targets.push({ role: "user-specified", address: token });
    }
    const results = await Promise.all(targets.map((t) => ask(t.address, command)));
    printResults(ctx, command, args, targets, results);
    return true;
  },
};

export const serverInfo: Command = {
  name: "server_info",
  usage: "[-t all|meta-server|replica-server] [-l ip:port,ip:port...] [-r|--resolve_ip]",
  run: (ctx, argv) => remoteCommand.run(ctx, [...argv, "server-info"]),
};

type Answer = { ok: true; info: Record<string, string> } | { ok: false; error: string };

async function ask(address: string, command: string): Promise<Answer> {
  if (command !== "server-info") return { ok: false, error: "ERR_HANDLER_NOT_FOUND" };
  try {
    const reply = await call<MetaReply & Record<string, string>>(address, "server_info", {}, 3000);
    return { ok: true, info: reply };
  } catch (error) {
    if (error instanceof RpcFailed) return { ok: false, error: error.err };
    throw error;
  }
}

function printResults(
  ctx: ShellContext,
  command: string,
  args: string[],
  targets: { role: string; address: string }[],
  results: Answer[],
): void {
  const succeed = results.filter((r) => r.ok).length;
  if (ctx.version === "2.5") {
    let text = `COMMAND: ${[command, ...args].join(" ")}\n\n`;
    targets.forEach((t, i) => {
      const r = results[i] as Answer;
      text += `CALL [${t.role}] [${t.address}] `;
      text += r.ok
        ? `succeed: Pegasus Server ${r.info.version} (sandbox) Release, Started at ${r.info.startTime}\n`
        : `failed: ${r.error}\n`;
    });
    ctx.stderr(`${text}\nSucceed count: ${succeed}\nFailed count: ${results.length - succeed}\n`);
    return;
  }
  const details: Record<string, unknown> = {};
  targets.forEach((t, i) => {
    const r = results[i] as Answer;
    details[t.address] = {
      acked: r.ok,
      message: r.ok
        ? {
            build_type: "Release",
            git_SHA: "sandbox",
            start_time: r.info.startTime,
            version: r.info.version,
          }
        : r.error,
      role: t.role,
    };
  });
  const json = {
    command: `${[command, ...args].join(" ")} `,
    details,
    failed_count: results.length - succeed,
    succeed_count: succeed,
  };
  ctx.stdout(`${JSON.stringify(sortKeys(json), null, 2)}\n`);
}

/** nlohmann's `json` keeps object keys sorted. */
function sortKeys(value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.keys(value as object)
      .sort()
      .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
  );
}
