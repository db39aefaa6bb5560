/**
 * `use <table>` then `set_app_envs k v …` (reference §8.7: recovery loses table envs, so the
 * migration re-applies the saved ones). Success is `set app envs succeed` on stdout; a failure is
 * `set app envs failed with error ERR_… [hint:"…"]!` on stderr
 * (`src/shell/commands/table_management.cpp`, set_app_envs, v2.5.0 and master).
 */
import { ShellCommandRejected, ShellOutputUnexpected, shellFailure } from "./errors.ts";
import { rejectRefusal, type ShellCommand } from "./output.ts";

/** The stderr lines of `set_app_envs` the output splitter must accept. */
export const setAppEnvsStderr = [/^set app envs failed with error \w+ \[hint:".*"\]!$/];

/**
 * Sets envs on one table. A change: sent through `shell.change`, printed under `--dry-run`.
 * @example await shell.change(setAppEnvsCommand("stat", { "default_ttl": "86400" }))
 */
export function setAppEnvsCommand(table: string, envs: Record<string, string>): ShellCommand<true> {
  if (!/^[A-Za-z0-9_.]+$/.test(table)) {
    throw new Error(`Cannot build set_app_envs as ${JSON.stringify(table)} is not a table name`);
  }
  const pairs = Object.entries(envs);
  if (pairs.length === 0) throw new Error(`Cannot build set_app_envs for ${table}: no envs`);
  const command = `set_app_envs ${pairs.map(([k, v]) => `${quote(k)} ${quote(v)}`).join(" ")}`;
  return {
    lines: [`use ${table}`, command],
    change: true,
    read: ({ out, err }) => {
      rejectRefusal(out, `use ${table}`);
      if (!err.take(/^OK$/))
        throw new ShellOutputUnexpected(`use ${table}`, "OK on stderr", err.upcoming());
      const none = err.take(/^No app is using now$/);
      if (none) throw new ShellCommandRejected(command, [none[0]]);
      rejectRefusal(out, command);
      const failed = err.take(/^set app envs failed with error (\w+) \[hint:"(.*)"\]!$/);
      if (failed) throw shellFailure(command, failed[1] as string, failed[0]);
      if (!out.take(/^set app envs succeed$/))
        throw new ShellOutputUnexpected(command, "set app envs succeed", out.upcoming());
      return true;
    },
  };
}

/** Quotes an argument the way the shell's `sdssplitargs` reads it back. */
function quote(value: string): string {
  const escaped = value
    .replaceAll("\\", "\\\\")
    .replaceAll('"', '\\"')
    .replaceAll("\n", "\\n")
    .replaceAll("\r", "\\r")
    .replaceAll("\t", "\\t");
  return `"${escaped}"`;
}
