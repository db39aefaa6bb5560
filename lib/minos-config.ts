/**
 * The minos cluster config (`pegasus-<cluster>.cfg` for minos, `.yaml` for minos2), the source of
 * truth minos copies into every meta's `config.ini` on `./deploy … --update_config`. Its format is
 * not public (reference §3.3 step B), so we hold it to upstream's own rule and nothing more:
 * `admin_tools/pegasus_migrate_zookeeper.sh` requires exactly one ` hosts_list = ` line and edits
 * that line with `sed` (step F). We do the same edit by line — indentation, spacing, a trailing
 * comment and the line ending kept, every other byte unchanged — and refuse anything ambiguous.
 */
import { PreconditionFailed } from "./errors.ts";

/** The one `hosts_list = …` line of a minos config. */
export interface MinosHostsList {
  /** 1-based line number. */
  line: number;
  /** The value, without spacing or a trailing comment. */
  value: string;
}

// `  hosts_list = zk1:2181,zk2:2181  # comment` → indent+key+`=`, value, trailing part, CR.
const hostsListLine = /^(\s*hosts_list\s*=\s*)([^\s#;]*)(\s*(?:[#;].*)?)$/;

/**
 * Finds the one `hosts_list` line, as upstream's step B does (`grep " hosts_list = " | wc -l` = 1).
 * @throws {PreconditionFailed} If there is none, or more than one (which one minos uses is unknown).
 * @example readMinosHostsList("[zookeeper]\n  hosts_list = zk1:2181\n", "pegasus-c1.cfg") // { line: 2, value: "zk1:2181" }
 */
export function readMinosHostsList(text: string, file: string): MinosHostsList {
  const found: MinosHostsList[] = [];
  for (const [index, raw] of text.split("\n").entries()) {
    const match = hostsListLine.exec(raw.replace(/\r$/, ""));
    if (match) found.push({ line: index + 1, value: match[2] as string });
  }
  if (found.length !== 1) {
    throw new PreconditionFailed(
      `Cannot use minos config ${file} as it must hold exactly one hosts_list line: found ${found.length === 0 ? "none" : `${found.length} (lines ${found.map((f) => f.line).join(", ")})`}`,
      {
        hint: "Upstream's migration script needs the same (one ` hosts_list = ` line); fix meta_control.minos_config in the inventory or the file by hand.",
      },
    );
  }
  return found[0] as MinosHostsList;
}

/**
 * Sets the one `hosts_list` line to `value`, every other byte kept.
 * @returns The new text and a one-line unified diff (`""` when it already had this value).
 * @throws {PreconditionFailed} As {@link readMinosHostsList}, or if `value` is not one word.
 * @example setMinosHostsList(text, "nzk1:2181,nzk2:2181", "pegasus-c1.cfg").diff
 */
export function setMinosHostsList(
  text: string,
  value: string,
  file: string,
): { text: string; diff: string } {
  if (!/^[^\s#;]+$/.test(value)) {
    throw new PreconditionFailed(`Cannot write hosts_list = ${value} into ${file}: not one word`);
  }
  const { line } = readMinosHostsList(text, file);
  const lines = text.split("\n");
  const old = lines[line - 1] as string;
  const cr = old.endsWith("\r") ? "\r" : "";
  const match = hostsListLine.exec(old.slice(0, old.length - cr.length)) as RegExpExecArray;
  if (match[2] === value) return { text, diff: "" };
  const updated = `${match[1]}${value}${match[3]}`;
  lines[line - 1] = `${updated}${cr}`;
  const diff = [
    `--- ${file}`,
    `+++ ${file}`,
    `@@ -${line} +${line} @@`,
    `-${old.slice(0, old.length - cr.length)}`,
    `+${updated}`,
  ];
  return { text: lines.join("\n"), diff: `${diff.join("\n")}\n` };
}
