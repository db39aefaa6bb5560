/**
 * Line-level edits of a meta `config.ini` (reference §5.7): set one key in one section by
 * rewriting only that line — indentation, spacing around `=`, a trailing comment and the line
 * ending stay as they were — and leave every other byte alone.
 */
import { PreconditionFailed } from "../errors.ts";
import { configValue, parseMetaConfig } from "./read.ts";
import type { KeyLine, ScannedLine } from "./scan.ts";

/** Set `[section] key` to `value`. */
export interface ConfigChange {
  section: string;
  key: string;
  value: string;
}

/** The outcome of one edit. */
export interface ConfigEditResult {
  /** The whole new file text. */
  text: string;
  /** False when the key already had this value; `text` is then the input unchanged. */
  changed: boolean;
  /** Line number of the key in the new text. */
  line: number;
  /** The old line (without its ending), or `null` when the key was inserted. */
  before: string | null;
  /** The new line (without its ending). */
  after: string;
  /** A unified-diff-like description of the one changed line; `""` when unchanged. */
  diff: string;
}

/** An edit the tool will not make because its effect would be unclear (exit 3). */
export class MetaConfigEditRefused extends PreconditionFailed {}

/**
 * Sets one key in one section. When the key is missing it is inserted after the section's last key
 * line, in the section's style. The result is re-read to prove rDSN will see the new value.
 * @throws {MetaConfigInvalid} If the file does not parse the rDSN way.
 * @throws {MetaConfigEditRefused} If the section is missing, the key occurs more than once in it,
 * or the value cannot be written on one line.
 * @example
 * const edit = setConfigValue(text, { section: "zookeeper", key: "hosts_list", value: "nzk1:2181" }, file);
 * console.log(edit.diff); // --- file / +++ file / @@ -41 +41 @@ [zookeeper] / -  hosts_list = … / +  hosts_list = …
 */
export function setConfigValue(text: string, change: ConfigChange, file: string): ConfigEditResult {
  const { section, key, value } = change;
  const config = parseMetaConfig(text, file);
  verifyWritable(change, file);
  if (!config.sections.has(section)) {
    throw new MetaConfigEditRefused(
      `Cannot set [${section}] ${key} in ${file} as the file has no [${section}] section`,
      {
        hint: `Add a [${section}] section to ${file} by hand (the meta would otherwise ignore the key), then run again.`,
      },
    );
  }
  const inSection = config.lines.filter((l) => l.section === section && l.meaning.kind === "key");
  const matches = inSection.filter((l) => (l.meaning as KeyLine).key === key);
  if (matches.length > 1) {
    const lines = matches.map((l) => l.number).join(", ");
    throw new MetaConfigEditRefused(
      `Cannot set [${section}] ${key} in ${file} as the key occurs ${matches.length} times in the section (lines ${lines})`,
      {
        hint: `rDSN uses only the first one. Remove the extra ${key} lines from [${section}] by hand, then run again.`,
      },
    );
  }
  const lines = config.lines.map((l) => ({ content: l.content, eol: l.eol as string }));
  const match = matches[0];
  let index: number;
  let before: string | null = null;
  if (match) {
    if (configValue(config, section, key) === value) return unchanged(text, match);
    index = match.number - 1;
    before = match.content;
    (lines[index] as { content: string }).content = rewriteLine(match, value);
  } else {
    const anchor = inSection.at(-1) ?? lineOfSection(config.lines, section);
    index = anchor.number;
    const eol = anchor.eol || dominantEol(config.lines);
    if (anchor.eol === "") (lines[index - 1] as { eol: string }).eol = eol;
    lines.splice(index, 0, {
      content: newLine(config.lines, inSection, key, value),
      eol: anchor.eol ? eol : "",
    });
  }
  const after = (lines[index] as { content: string }).content;
  const newText = lines.map((l) => l.content + l.eol).join("");
  if (configValue(parseMetaConfig(newText, file), section, key) !== value) {
    throw new Error(
      `BUG: editing [${section}] ${key} in ${file} did not produce the value ${JSON.stringify(value)}`,
    );
  }
  const number = index + 1;
  const hunk = before === null ? `@@ -${index},0 +${number} @@` : `@@ -${number} +${number} @@`;
  const removed = before === null ? [] : [`-${before}`];
  const diff = [`--- ${file}`, `+++ ${file}`, `${hunk} [${section}]`, ...removed, `+${after}`].join(
    "\n",
  );
  return { text: newText, changed: true, line: number, before, after, diff: `${diff}\n` };
}

/**
 * Applies several changes in order (e.g. `hosts_list` and `recover_from_replica_server`).
 * @returns The final text and one result per change (`diff` of each, `""` when unchanged).
 * @example setConfigValues(text, [{ section: "zookeeper", key: "hosts_list", value: target }], file)
 */
export function setConfigValues(
  text: string,
  changes: ConfigChange[],
  file: string,
): { text: string; results: ConfigEditResult[] } {
  const results: ConfigEditResult[] = [];
  let current = text;
  for (const change of changes) {
    const result = setConfigValue(current, change, file);
    results.push(result);
    current = result.text;
  }
  return { text: current, results };
}

/**
 * Replaces the value of a key line, keeping the indentation, the key as written, the spacing around
 * `=`, and a trailing comment at its column (or after one space when the value grew past it).
 */
function rewriteLine(line: ScannedLine, value: string): string {
  const k = line.meaning as KeyLine;
  const content = line.content;
  const hasValue = k.valueEnd > k.valueStart;
  let head: string;
  let tailStart: number;
  if (k.equals < 0) {
    head = `${content.slice(0, k.keyEnd)} = `;
    tailStart = k.keyEnd;
  } else if (!hasValue) {
    const spaced = content.slice(k.keyEnd, k.equals) !== "";
    head = `${content.slice(0, k.equals + 1)}${spaced && value !== "" ? " " : ""}`;
    tailStart = k.equals + 1;
  } else {
    head = content.slice(0, k.valueStart);
    tailStart = k.valueEnd;
  }
  head += escapeValue(value);
  const gap = content.slice(tailStart, k.commentStart);
  const comment = content.slice(k.commentStart);
  if (comment === "" || gap.includes("\t")) return head + gap + comment;
  return head + " ".repeat(Math.max(1, k.commentStart - head.length)) + comment;
}

/** The text of an inserted line, styled after the section's (or the file's) key lines. */
function newLine(all: ScannedLine[], inSection: ScannedLine[], key: string, value: string): string {
  const styled = inSection.find((l) => {
    const k = l.meaning as KeyLine;
    return k.equals >= 0 && k.valueEnd > k.valueStart;
  });
  const model = styled ?? inSection[0] ?? all.find((l) => l.meaning.kind === "key");
  let indent = "";
  let equals = " = ";
  if (model) {
    const k = model.meaning as KeyLine;
    indent = model.content.slice(0, k.keyStart);
    if (styled) equals = model.content.slice(k.keyEnd, k.valueStart);
  }
  return `${indent}${key}${equals}${escapeValue(value)}`;
}

function lineOfSection(lines: ScannedLine[], section: string): ScannedLine {
  return lines.find(
    (l) => l.meaning.kind === "section" && l.meaning.name === section,
  ) as ScannedLine;
}

/** The file's line ending: the first one used, `\n` for a one-line file. */
function dominantEol(lines: ScannedLine[]): string {
  return lines.find((l) => l.eol !== "")?.eol ?? "\n";
}

/** `#` and `;` would start a comment: rDSN reads `^#` and `^;` as the literal characters. */
function escapeValue(value: string): string {
  return value.replace(/[#;]/g, (c) => `^${c}`);
}

function verifyWritable({ section, key, value }: ConfigChange, file: string): void {
  const why = /[\r\n]/.test(value)
    ? "it contains a line break"
    : value.trim() !== value
      ? "rDSN trims leading and trailing whitespace"
      : value.length > 2 && value.startsWith("%") && value.endsWith("%")
        ? "rDSN reads a %…% value as an unfilled argument (empty)"
        : /[[\]=]/.test(key) || key.trim() !== key || key === ""
          ? "the key is not a plain rDSN key"
          : null;
  if (why) {
    throw new MetaConfigEditRefused(
      `Cannot set [${section}] ${key} to ${JSON.stringify(value)} in ${file} as ${why}`,
      { hint: "Check the value in the inventory; a config.ini value is one trimmed line." },
    );
  }
}

function unchanged(text: string, line: ScannedLine): ConfigEditResult {
  return {
    text,
    changed: false,
    line: line.number,
    before: line.content,
    after: line.content,
    diff: "",
  };
}
