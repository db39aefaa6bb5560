/**
 * The simulator's own reader of rDSN `config.ini` files, written from reference §5.5 and kept
 * independent of the product's `lib/meta-config/`, so a simulated meta reads its config the way
 * a real one does and catches the product's editing mistakes:
 * - leading spaces, tabs and `\r` are skipped; `#` or `;` anywhere starts a comment, unless
 *   escaped as `^#` / `^;` (the caret is dropped);
 * - `[section]` names are trimmed and literal (`apps..default`); a repeated section is an error;
 * - the first of duplicated keys wins (a warning is kept); a line without `=` is a key with an
 *   empty value; a key before any section is an error; unknown keys are simply never read;
 * - a value `%name%` that was never substituted reads as empty.
 */

/** A parsed config file. Look-ups by section and key; nothing is ever written back. */
export interface RdsnConfig {
  /** The value of `[section] key`, or undefined when absent. */
  get(section: string, key: string): string | undefined;
  /** Section names in file order. */
  sections(): string[];
  /** `skip redefinition` warnings, as rDSN prints them. */
  readonly warnings: string[];
}

/** A config file that rDSN refuses to load (the process exits at start). */
export class RdsnConfigError extends Error {}

/**
 * Parses config text the rDSN way.
 * @throws {RdsnConfigError} On a key outside any section, a repeated or empty section name,
 *   a malformed section line or an empty key.
 * @example parseRdsnIni("[zookeeper]\n  hosts_list = a:2181 ; comment\n").get("zookeeper", "hosts_list") // "a:2181"
 */
export function parseRdsnIni(text: string, file = "config.ini"): RdsnConfig {
  const sections = new Map<string, Map<string, { value: string; line: number }>>();
  const warnings: string[] = [];
  let current: { name: string; keys: Map<string, { value: string; line: number }> } | null = null;
  const lines = text.split("\n");
  lines.forEach((raw, index) => {
    const lineno = index + 1;
    const line = stripComment(raw.replace(/^[ \t\r]+/, ""));
    if (line === "") return;
    const fail = () => {
      throw new RdsnConfigError(
        `ERROR: unexpected configuration in ${file}(line ${lineno}): ${line}`,
      );
    };
    const equal = line.indexOf("=");
    if (line.startsWith("[")) {
      const right = line.indexOf("]");
      if (equal >= 0 || right < 0) fail();
      const name = line.slice(1, right).trim();
      if (name === "") fail();
      if (sections.has(name)) {
        throw new RdsnConfigError(`ERROR: configuration section '[${name}]' is redefined`);
      }
      current = { name, keys: new Map() };
      sections.set(name, current.keys);
      return;
    }
    if (current === null) {
      throw new RdsnConfigError(
        `ERROR: configuration section not defined\nERROR: unexpected configuration in ${file}(line ${lineno}): ${line}`,
      );
    }
    const key = (equal >= 0 ? line.slice(0, equal) : line).trim();
    if (key === "") fail();
    let value = equal >= 0 ? line.slice(equal + 1).trim() : "";
    if (value.length > 2 && value.startsWith("%") && value.endsWith("%")) value = "";
    const first = current.keys.get(key);
    if (first) {
      warnings.push(
        `WARNING: skip redefinition of option [${current.name}] ${key} (line ${lineno}), already defined as [${current.name}] ${key} (line ${first.line})`,
      );
    } else current.keys.set(key, { value, line: lineno });
  });
  return {
    get: (section, key) => sections.get(section)?.get(key)?.value,
    sections: () => [...sections.keys()],
    warnings,
  };
}

/** Cuts a line at the first unescaped `#` or `;`; `^#` and `^;` become `#` and `;`. */
function stripComment(line: string): string {
  let out = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === "#" || c === ";") {
      if (i > 0 && line[i - 1] === "^") {
        out = `${out.slice(0, -1)}${c}`;
        continue;
      }
      break;
    }
    out += c;
  }
  return out;
}

/**
 * Reads a typed value with a default, failing like an rDSN flag validator on a bad value.
 * @example readValue(config, "meta_server", "recover_from_replica_server", false)
 */
export function readValue<T extends string | number | boolean>(
  config: RdsnConfig,
  section: string,
  key: string,
  fallback: T,
): T {
  const text = config.get(section, key);
  if (text === undefined || (text === "" && typeof fallback !== "string")) return fallback;
  if (typeof fallback === "boolean") {
    const lower = text.toLowerCase();
    if (lower !== "true" && lower !== "false") {
      throw new RdsnConfigError(`ERROR: invalid bool value for [${section}] ${key}: ${text}`);
    }
    return (lower === "true") as T;
  }
  if (typeof fallback === "number") {
    if (!/^-?\d+$/.test(text)) {
      throw new RdsnConfigError(`ERROR: invalid integer value for [${section}] ${key}: ${text}`);
    }
    return Number(text) as T;
  }
  return text as T;
}
