/**
 * The inventory's schema (zod). Every key is documented in `config.example.yaml`; messages here
 * start with "expected" because `lib/inventory.ts` prints them as "expected X; found Y".
 */
import { z } from "zod";
import { isDuration } from "./duration.ts";
import { placeholdersOf, splitWords } from "./template.ts";

const expected = (what: string) => ({ error: `expected ${what}` });

const hostPortPattern = /^[A-Za-z0-9_.-]+:\d{1,5}$/;
const connectStringPattern = /^[A-Za-z0-9_.-]+:\d{1,5}(,[A-Za-z0-9_.-]+:\d{1,5})*$/;

/**
 * Every `:port` in a host:port list is 1–65535 (the patterns only say "up to 5 digits"); a
 * malformed entry is left to the pattern's own message.
 */
const portsInRange = (text: string) =>
  text.split(",").every((entry) => {
    const port = entry.slice(entry.lastIndexOf(":") + 1);
    return !/^\d+$/.test(port) || (Number(port) >= 1 && Number(port) <= 65535);
  });

const hostPort = z
  .string(expected("a host:port address"))
  .regex(hostPortPattern, expected("a host:port address such as 10.0.0.1:34601"))
  .refine(portsInRange, expected("a port from 1 to 65535"));

const connectString = z
  .string(expected("a ZooKeeper connect string host:port[,host:port…]"))
  .regex(
    connectStringPattern,
    expected(
      "a ZooKeeper connect string host:port[,host:port…] without spaces or a /chroot suffix",
    ),
  )
  .refine(portsInRange, expected("ports from 1 to 65535"));

/**
 * The cluster root: an absolute path, no `.`/`..` segments (ZooKeeper takes them literally, so
 * `/pegasus/../c1` is not `/c1`), and never ZooKeeper's own `/zookeeper` tree.
 */
const clusterRoot = z
  .string(expected("the cluster root path, e.g. /pegasus/c1"))
  .regex(/^(\/[^/\s]+)+$/, expected("an absolute path without a trailing slash, e.g. /pegasus/c1"))
  .refine(
    (path) => !path.split("/").some((segment) => segment === "." || segment === ".."),
    expected("a path without . or .. segments, e.g. /pegasus/c1"),
  )
  .refine(
    (path) => path !== "/zookeeper" && !path.startsWith("/zookeeper/"),
    expected("a path outside ZooKeeper's own /zookeeper tree, e.g. /pegasus/c1"),
  );

const duration = z
  .string(expected("a duration such as 30s, 500ms or 10m"))
  .refine(isDuration, expected("a duration such as 30s, 500ms or 10m"));

/** Where a command runs: `local`, or an ssh destination `[user@]host`. */
const hostName = z
  .string(expected("`local` or an ssh destination [user@]host"))
  .regex(
    /^(local|([A-Za-z0-9_.-]+@)?[A-Za-z0-9_.-]+)$/,
    expected("`local` or an ssh destination [user@]host"),
  );

/** Placeholders each kind of template may use. */
export const placeholders = {
  shell: ["cluster", "meta_list"],
  meta: ["cluster", "task", "address", "port", "host", "config", "meta_list"],
} as const;

/** A command template: a string split like a shell would, or an argv list. */
function template(allowed: readonly string[]) {
  return z
    .union(
      [z.string().min(1), z.array(z.string(), expected("a list of strings")).min(1)],
      expected("a command: a string or a list of arguments"),
    )
    .superRefine((value, ctx) => {
      try {
        if (typeof value === "string") splitWords(value);
      } catch (error) {
        ctx.addIssue({
          code: "custom",
          message: `expected balanced quotes (${(error as Error).message})`,
        });
        return;
      }
      const unknown = placeholdersOf(value).filter((name) => !allowed.includes(name));
      if (unknown.length > 0) {
        ctx.addIssue({
          code: "custom",
          message: `expected only the placeholders ${allowed.map((p) => `{${p}}`).join(" ")}; {${unknown.join("}, {")}} is not one of them`,
        });
      }
    });
}

const metaServer = z
  .object(
    {
      address: hostPort,
      host: hostName.default("local"),
      config: z
        .string(expected("the path of this meta's config.ini"))
        .min(1, expected("a non-empty path")),
      task: z
        .number(expected("the meta's task index, an integer ≥ 0"))
        .int(expected("an integer"))
        .min(0, expected("an integer ≥ 0")),
    },
    expected("a meta server: address, host, config, task"),
  )
  .strict();

const metaTemplate = template(placeholders.meta);

const metaControl = z
  .object(
    {
      kind: z.enum(
        ["systemd", "supervisor", "minos", "custom"],
        expected("one of systemd, supervisor, minos, custom"),
      ),
      unit: z.string(expected("a systemd unit name, e.g. pegasus-meta@{task}")).optional(),
      program: z.string(expected("a supervisor program name, e.g. pegasus-meta-{task}")).optional(),
      client_dir: z.string(expected("the minos client directory (holds ./deploy)")).optional(),
      minos_config: z
        .string(expected("the minos cluster config, e.g. …/pegasus-c1.cfg, on this machine"))
        .optional(),
      cwd: z.string(expected("a directory")).optional(),
      start: metaTemplate.optional(),
      stop: metaTemplate.optional(),
      status: metaTemplate.optional(),
    },
    expected("a mapping with kind and its settings"),
  )
  .strict()
  .superRefine((control, ctx) => {
    const need = (key: "unit" | "program" | "client_dir" | "minos_config", what: string) => {
      if (control[key] === undefined) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `expected ${what} for kind ${control.kind}`,
          input: undefined,
        });
      }
    };
    if (control.kind === "systemd") need("unit", "a unit name such as pegasus-meta@{task}");
    if (control.kind === "supervisor")
      need("program", "a program name such as pegasus-meta-{task}");
    if (control.kind === "minos") {
      need("client_dir", "the minos client directory");
      // minos rewrites config.ini from its own config on `--update_config`: switching config.ini
      // alone would be silently undone, so the tool must switch minos's config too.
      need(
        "minos_config",
        "the minos cluster config (pegasus-<cluster>.cfg or .yaml), which the tool switches together with config.ini",
      );
    }
    if (control.kind === "custom") {
      for (const key of ["start", "stop", "status"] as const) {
        if (control[key] === undefined) {
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: "expected a command template for kind custom",
            input: undefined,
          });
        }
      }
    }
  });

/** The schema of the whole inventory file, as written (snake_case keys). */
export const inventorySchema = z
  .object(
    {
      cluster: z
        .string(expected("the Pegasus cluster name"))
        .regex(/^[A-Za-z0-9_.-]+$/, expected("a cluster name of letters, digits, _ . -")),
      zookeeper: z
        .object(
          {
            root: clusterRoot,
            source: connectString,
            target: connectString,
            session_timeout: duration.default("10s"),
            auth: z
              .object(
                {
                  source_env: z
                    .string(expected("an environment variable name"))
                    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, expected("an environment variable name"))
                    .optional(),
                  target_env: z
                    .string(expected("an environment variable name"))
                    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, expected("an environment variable name"))
                    .optional(),
                },
                expected("a mapping with source_env and/or target_env"),
              )
              .strict()
              .optional(),
          },
          expected("a mapping with root, source and target"),
        )
        .strict()
        .superRefine((zk, ctx) => {
          const sourceServers = new Set(zk.source.toLowerCase().split(","));
          const shared = zk.target
            .toLowerCase()
            .split(",")
            .filter((s) => sourceServers.has(s));
          if (shared.length > 0) {
            ctx.addIssue({
              code: "custom",
              path: ["target"],
              message: `expected an ensemble that shares no server with source; both name ${shared.join(", ")}`,
              input: zk.target,
            });
          }
        }),
      meta_servers: z
        .array(metaServer, expected("a list of meta servers"))
        .min(1, expected("at least one meta server"))
        .superRefine((metas, ctx) => {
          const seen = { address: new Map<string, number>(), task: new Map<number, number>() };
          metas.forEach((meta, i) => {
            for (const key of ["address", "task"] as const) {
              const map = seen[key] as Map<string | number, number>;
              const first = map.get(meta[key]);
              if (first !== undefined) {
                ctx.addIssue({
                  code: "custom",
                  path: [i, key],
                  message: `expected a unique ${key}; meta_servers[${first}] has it too`,
                  input: meta[key],
                });
              } else map.set(meta[key], i);
            }
          });
        }),
      replica_servers: z
        .array(hostPort, expected("a list of replica host:port addresses"))
        .default([]),
      shell: z
        .object(
          {
            host: hostName.default("local"),
            command: template(placeholders.shell),
            cwd: z.string(expected("a directory")).optional(),
            version: z.enum(["auto", "2.5", "2.6"], expected("auto, 2.5 or 2.6")).default("auto"),
          },
          expected("a mapping with host and command"),
        )
        .strict(),
      meta_control: metaControl,
      ssh: z
        .object(
          {
            user: z.string(expected("a user name")).optional(),
            port: z
              .number(expected("a port number"))
              .int()
              .min(1)
              .max(65535, expected("a port ≤ 65535"))
              .optional(),
            identity_file: z.string(expected("a key file path")).optional(),
            options: z
              .array(
                z.string(),
                expected("a list of ssh -o options such as StrictHostKeyChecking=yes"),
              )
              .default([]),
            connect_timeout: duration.default("10s"),
          },
          expected("a mapping of ssh settings"),
        )
        .strict()
        .default({ options: [], connect_timeout: "10s" }),
      timeouts: z
        .object(
          {
            command: duration.default("60s"),
            shell: duration.default("120s"),
            meta_start: duration.default("120s"),
            meta_stop: duration.default("60s"),
            healthy: duration.default("10m"),
            fd_lease: z
              .union([z.literal("auto"), duration], expected("auto or a duration such as 30s"))
              .default("auto"),
            recover: duration.default("100s"),
          },
          expected("a mapping of timeouts"),
        )
        .strict()
        .default({
          command: "60s",
          shell: "120s",
          meta_start: "120s",
          meta_stop: "60s",
          healthy: "10m",
          fd_lease: "auto",
          recover: "100s",
        }),
      state_dir: z.string(expected("a directory for the journal and backups")).optional(),
    },
    expected("a mapping (the inventory's top level)"),
  )
  .strict();

/** The inventory exactly as parsed, defaults filled. */
export type RawInventory = z.infer<typeof inventorySchema>;
