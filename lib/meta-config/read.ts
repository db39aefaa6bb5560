/**
 * A meta server's `config.ini`, read the rDSN way (reference §5.5) and edited one line at a time
 * (§5.7, in `edit.ts`). A generic INI parser mangles this file (§5.6), so nothing
 * here round-trips through an object: the reader keeps line numbers, the editor rewrites bytes.
 */
import { PreconditionFailed } from "../errors.ts";
import { type ScannedLine, scanConfig } from "./scan.ts";

/** One `key = value` as rDSN keeps it: the first definition in its section. */
export interface ConfigEntry {
  section: string;
  key: string;
  value: string;
  line: number;
}

/** A later definition of a key that rDSN skipped ("WARNING: skip redefinition…"). */
export interface DuplicateKey {
  section: string;
  key: string;
  line: number;
  /** Where the definition that wins is. */
  firstLine: number;
}

/** A deploy-time placeholder left in the file: minos `%{…}` or onebox `@…@`. */
export interface Placeholder {
  line: number;
  text: string;
}

/** A parsed `config.ini`. */
export interface MetaConfig {
  file: string;
  /** Section name → key → entry, first definition wins. Names are literal (`apps..default`). */
  sections: Map<string, Map<string, ConfigEntry>>;
  /** Line of each section header. */
  sectionLines: Map<string, number>;
  duplicates: DuplicateKey[];
  placeholders: Placeholder[];
  /** Every line as scanned, for the editor. */
  lines: ScannedLine[];
}

/** A `config.ini` rDSN itself would refuse to load, or a value of the wrong type (exit 3). */
export class MetaConfigInvalid extends PreconditionFailed {
  readonly file: string;
  readonly line: number;
  constructor(file: string, line: number, reason: string, text: string) {
    super(`Cannot read meta config ${file}: line ${line}: ${reason}: ${JSON.stringify(text)}`, {
      hint: "A meta server would refuse this file too. Fix that line on the host (rDSN rules: reference §5.5) and check again.",
    });
    this.file = file;
    this.line = line;
  }
}

const placeholderPattern = /%\{[^}]*\}|@[A-Z][A-Z0-9_]*@/g;

/**
 * Parses `config.ini` text with rDSN's rules: a repeated section or a key before any section is an
 * error, a duplicate key keeps its first value (and is reported in `duplicates`).
 * @throws {MetaConfigInvalid} Naming the file, line and reason.
 * @example parseMetaConfig(text, "/home/work/meta/config.ini").sections.get("zookeeper")?.get("hosts_list")?.value
 */
export function parseMetaConfig(text: string, file: string): MetaConfig {
  const config: MetaConfig = {
    file,
    sections: new Map(),
    sectionLines: new Map(),
    duplicates: [],
    placeholders: [],
    lines: scanConfig(text),
  };
  for (const line of config.lines) {
    const meaning = line.meaning;
    if (meaning.kind === "invalid") {
      throw new MetaConfigInvalid(file, line.number, meaning.reason, line.content);
    }
    if (meaning.kind === "section") {
      if (config.sections.has(meaning.name)) {
        const first = config.sectionLines.get(meaning.name);
        const reason = `section [${meaning.name}] is defined again (first on line ${first})`;
        throw new MetaConfigInvalid(file, line.number, reason, line.content);
      }
      config.sections.set(meaning.name, new Map());
      config.sectionLines.set(meaning.name, line.number);
      collectPlaceholders(config, line.number, meaning.name);
    } else if (meaning.kind === "key") {
      if (line.section === null) {
        const reason = "a key before any [section]";
        throw new MetaConfigInvalid(file, line.number, reason, line.content);
      }
      const entries = config.sections.get(line.section) as Map<string, ConfigEntry>;
      const first = entries.get(meaning.key);
      if (first) {
        config.duplicates.push({
          section: line.section,
          key: meaning.key,
          line: line.number,
          firstLine: first.line,
        });
      } else {
        const { key, value } = meaning;
        entries.set(key, { section: line.section, key, value, line: line.number });
      }
      collectPlaceholders(config, line.number, `${meaning.key} = ${meaning.value}`);
    }
  }
  return config;
}

/**
 * The value rDSN uses for `[section] key`, or `undefined` when the key is absent.
 * @example configValue(config, "meta_server", "cluster_root") // "/pegasus/c1"
 */
export function configValue(config: MetaConfig, section: string, key: string): string | undefined {
  return config.sections.get(section)?.get(key)?.value;
}

/** True when no `%{…}` or `@…@` placeholder is left outside comments. */
export function isLiveConfig(config: MetaConfig): boolean {
  return config.placeholders.length === 0;
}

/**
 * Throws unless the file is a deployed config rather than a template.
 * @throws {PreconditionFailed} Listing the placeholders and their lines.
 */
export function verifyConfigIsLive(config: MetaConfig): void {
  if (isLiveConfig(config)) return;
  const found = config.placeholders.map((p) => `${p.text} (line ${p.line})`).join(", ");
  throw new PreconditionFailed(
    `Cannot use meta config ${config.file} as it is a template, not a live config: placeholders ${found}`,
    {
      hint: "Point meta_servers[].config at the config.ini the meta process actually reads (minos fills %{…}, onebox fills @…@).",
    },
  );
}

/** The values of `config.ini` the migration cares about; `undefined` when the key is absent. */
export interface MetaSettings {
  /** `[zookeeper] hosts_list`: the ensemble. */
  zookeeperHosts?: string;
  /** `[meta_server] cluster_root` (code default `/`). */
  clusterRoot?: string;
  /** `[meta_server] distributed_lock_service_parameters`: the lock root. */
  lockRoot?: string;
  /** `[meta_server] recover_from_replica_server` (code default false). */
  recoverFromReplicaServer?: boolean;
  /** `[meta_server] meta_function_level_on_start` (code default `steady`). */
  metaFunctionLevelOnStart?: string;
  /** `[meta_server] server_list`, split on commas. */
  serverList?: string[];
  /** `[replication] fd_lease_seconds`. */
  fdLeaseSeconds?: number;
  /** `[replication] fd_check_interval_seconds`. */
  fdCheckIntervalSeconds?: number;
  /** `[replication] cluster_name`. */
  clusterName?: string;
  /** `[meta_server.apps.*]` sections: the default tables created on an empty tree. */
  defaultApps: { section: string; values: Record<string, string> }[];
}

/**
 * Reads the values of interest, typed.
 * @throws {MetaConfigInvalid} If a boolean or integer key holds something else.
 * @example readMetaSettings(parseMetaConfig(text, file)).zookeeperHosts
 */
export function readMetaSettings(config: MetaConfig): MetaSettings {
  const get = (section: string, key: string) => configValue(config, section, key);
  const list = get("meta_server", "server_list");
  return {
    zookeeperHosts: get("zookeeper", "hosts_list"),
    clusterRoot: get("meta_server", "cluster_root"),
    lockRoot: get("meta_server", "distributed_lock_service_parameters"),
    recoverFromReplicaServer: booleanValue(config, "meta_server", "recover_from_replica_server"),
    metaFunctionLevelOnStart: get("meta_server", "meta_function_level_on_start"),
    serverList: list
      ?.split(",")
      .map((s) => s.trim())
      .filter((s) => s !== ""),
    fdLeaseSeconds: integerValue(config, "replication", "fd_lease_seconds"),
    fdCheckIntervalSeconds: integerValue(config, "replication", "fd_check_interval_seconds"),
    clusterName: get("replication", "cluster_name"),
    defaultApps: [...config.sections]
      .filter(([name]) => name.startsWith("meta_server.apps."))
      .map(([section, entries]) => ({
        section,
        values: Object.fromEntries([...entries.values()].map((e) => [e.key, e.value])),
      })),
  };
}

function booleanValue(config: MetaConfig, section: string, key: string): boolean | undefined {
  const entry = config.sections.get(section)?.get(key);
  if (!entry) return undefined;
  const value = entry.value.toLowerCase();
  if (value === "true" || value === "false") return value === "true";
  throw new MetaConfigInvalid(
    config.file,
    entry.line,
    `[${section}] ${key} must be true or false`,
    entry.value,
  );
}

function integerValue(config: MetaConfig, section: string, key: string): number | undefined {
  const entry = config.sections.get(section)?.get(key);
  if (!entry) return undefined;
  if (/^\d+$/.test(entry.value)) return Number(entry.value);
  throw new MetaConfigInvalid(
    config.file,
    entry.line,
    `[${section}] ${key} must be an integer`,
    entry.value,
  );
}

function collectPlaceholders(config: MetaConfig, line: number, text: string): void {
  for (const match of text.matchAll(placeholderPattern)) {
    config.placeholders.push({ line, text: match[0] });
  }
}
