#!/usr/bin/env bun
/**
 * The binary's entry: parses the command line and dispatches to one subcommand module, imported
 * only when that subcommand runs so `--help` and `--version` stay fast. Errors are caught here,
 * once: the message, the hint and every cause are printed, and the exit code comes from the error.
 */
import { Command, CommanderError, Option } from "commander";
import { endCommand } from "../lib/command-result.ts";
import { ExitCode, UsageError } from "../lib/errors.ts";
import packageJson from "../package.json" with { type: "json" };

// `run … | head` or a closed pager must not abort a migration half-way through a step: once
// stdout is gone we keep working silently (the journal still records everything).
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
});

const program = new Command("pegasus-zk-migrate")
  .description("Move an Apache Pegasus cluster's metadata from one ZooKeeper ensemble to another.")
  .version(packageJson.version, "-V, --version", "print the version")
  .option("--verbose", "print every command run and error stacks")
  .showHelpAfterError("(run with --help for usage)")
  .configureOutput({ writeErr: (text) => process.stderr.write(text) })
  .exitOverride();

const inventoryOption = () =>
  new Option("-i, --inventory <file>", "the cluster's YAML inventory").makeOptionMandatory();

program
  .command("validate")
  .summary("check an inventory file offline and summarise it")
  .description(
    "Check an inventory file offline: exit 0 with a summary, or 2 listing every problem with its line.",
  )
  .addOption(inventoryOption())
  .option("--json", "print the resolved inventory as JSON")
  .action(async (options) => (await import("./commands/validate.ts")).validate(options));

const methodOption = () =>
  new Option(
    "-m, --method <method>",
    "the migration method: copy (upstream method 2) or recover (upstream method 1)",
  ).makeOptionMandatory();

program
  .command("check")
  .summary("read-only preflight; exit 0 ready, 3 not ready")
  .description(
    "Check both ensembles, the shell, every node and every meta config without changing anything. Exit 0 ready, 3 not ready (each failing check named), 2 bad inventory.",
  )
  .addOption(inventoryOption())
  .addOption(methodOption())
  .option("--json", "print NDJSON events")
  .action(async (options) =>
    (await import("./commands/check.ts")).check({ ...options, verbose: program.opts().verbose }),
  );

program
  .command("plan")
  .summary("dry run: every step, check and command; changes nothing")
  .description(
    "A dry run of the runbook: every step with its checks, the exact commands, the config diffs and the number of znodes to copy. Nothing is changed.",
  )
  .addOption(inventoryOption())
  .addOption(methodOption().makeOptionMandatory(false))
  .option("--rollback", "plan going back to the source ensemble from the journal's state")
  .option("--clean-old", "include deleting the old subtree (step 7)")
  .option("--json", "print NDJSON events")
  .action(async (options) =>
    (await import("./commands/plan.ts")).plan({ ...options, verbose: program.opts().verbose }),
  );

program
  .command("run")
  .summary("run the runbook, resuming from the journal")
  .description(
    "Run every step in order, each checked before and after and journaled; a finished step is verified and skipped, so an interrupted run resumes. Asks before destructive steps on a TTY unless --yes.",
  )
  .addOption(inventoryOption())
  .addOption(methodOption())
  .option("--yes", "do not ask before destructive steps")
  .option("--clean-old", "also delete the old subtree once the new cluster is healthy")
  .option("--skip-bad-nodes", "recover: skip listed nodes that do not answer (journaled)")
  .option(
    "--skip-lost-partitions",
    "recover: recover partitions without any replica EMPTY, losing their data (journaled)",
  )
  .option("--json", "print NDJSON events")
  .action(async (options) =>
    (await import("./commands/run.ts")).run({ ...options, verbose: program.opts().verbose }),
  );

program
  .command("rollback")
  .summary("return the cluster to the source ensemble from any step")
  .description(
    "Read the journal, say where the migration stands and what going back does, then return every meta to the source ensemble: configs restored (only if each still holds what the tool wrote; else exit 3 with the diff), metas restarted in a safe order, health on the source. After a meta led on the target, the target tree is copied back first. Journaled: run it again to complete an interrupted rollback.",
  )
  .addOption(inventoryOption())
  .option("--yes", "do not ask before changing anything")
  .option("--json", "print NDJSON events")
  .action(async (options) =>
    (await import("./commands/rollback.ts")).rollback({
      ...options,
      verbose: program.opts().verbose,
    }),
  );

program
  .command("status")
  .summary("show the journal: steps, evidence, backups")
  .addOption(inventoryOption())
  .option("--json", "print the journal as JSON")
  .action(async (options) => (await import("./commands/status.ts")).status(options));

program
  .command("step")
  .summary("run one runbook step, e.g. copy/04-copy-tree")
  .argument(
    "<id>",
    "the step id (copy/01-stop-followers … copy/08-clean-old-zk, recover/01-identify-and-back-up … recover/11-clean-old-zk)",
  )
  .addOption(inventoryOption())
  .option("--dry-run", "print what the step would do; change nothing")
  .option("--yes", "do not ask before destructive actions")
  .option("--skip-bad-nodes", "recover/06: skip listed nodes that do not answer (journaled)")
  .option(
    "--skip-lost-partitions",
    "recover/06: recover partitions without any replica EMPTY (journaled)",
  )
  .option("--json", "print NDJSON events")
  .action(async (id, options) =>
    (await import("./commands/step.ts")).step(id, { ...options, verbose: program.opts().verbose }),
  );

const zkCommand = program
  .command("zk")
  .summary("copy, diff, snapshot, restore or rmr a ZooKeeper subtree")
  .description(
    "Tree tools. Addresses are host:port[,host:port…]/path. Exit codes: 0 ok, 1 failed or refused (diff: different), 2 usage or input error (diff: any error).",
  );

/** Options every `zk` subcommand takes. */
const zkOptions = (command: Command, sides: ("source" | "target")[]) => {
  command
    .option("--json", "print NDJSON progress events and a final zk-result object")
    .option("--session-timeout <duration>", "ZooKeeper session timeout to ask for", "10s")
    .option("--timeout <duration>", "how long to wait for a lost ensemble to come back", "30s");
  if (sides.includes("source")) {
    command.option(
      "--source-auth-env <name>",
      "env var holding user:password for digest auth on SRC (default: PZM_SOURCE_ZK_DIGEST if set)",
    );
  }
  if (sides.includes("target")) {
    command.option(
      "--target-auth-env <name>",
      "env var holding user:password for digest auth on DST (default: PZM_TARGET_ZK_DIGEST if set)",
    );
  }
  return command;
};

/** The subcommand's options plus the global ones (`--verbose`). */
const withGlobals = <T>(command: Command) => command.optsWithGlobals() as T;

zkOptions(
  zkCommand
    .command("copy")
    .summary("copy SRC to DST with data, ACLs, node types")
    .argument("<SRC>", "source host:port[,…]/path")
    .argument("<DST>", "target host:port[,…]/path (missing parents are created)")
    .option("--overwrite", "write into a non-empty DST, changing only nodes that differ")
    .option("--mirror", "also delete DST nodes that SRC lacks (implies --overwrite)")
    .option("--dry-run", "read everything and print the writes instead of making them"),
  ["source", "target"],
).action(async (src, dst, _options, command) =>
  (await import("./commands/zk.ts")).zkCopy(src, dst, withGlobals(command)),
);

zkOptions(
  zkCommand
    .command("diff")
    .summary("compare SRC and DST (exit 0 same, 1 different)")
    .argument("<SRC>", "source host:port[,…]/path")
    .argument("<DST>", "target host:port[,…]/path"),
  ["source", "target"],
).action(async (src, dst, _options, command) =>
  (await import("./commands/zk.ts")).zkDiff(src, dst, withGlobals(command)),
);

zkOptions(
  zkCommand
    .command("snapshot")
    .summary("stream SRC to a checksummed snapshot file")
    .argument("<SRC>", "source host:port[,…]/path")
    .requiredOption("-o, --output <file>", "snapshot file to write"),
  ["source"],
).action(async (src, _options, command) =>
  (await import("./commands/zk.ts")).zkSnapshot(src, withGlobals(command)),
);

zkOptions(
  zkCommand
    .command("restore")
    .summary("re-create a snapshot's tree on DST")
    .argument("<FILE>", "snapshot file")
    .argument("<DST>", "target host:port[,…][/path] (default path: the snapshot's root)")
    .option("--overwrite", "write into a non-empty DST, changing only nodes that differ")
    .option("--mirror", "also delete DST nodes the snapshot lacks (implies --overwrite)")
    .option("--dry-run", "print the writes instead of making them"),
  ["target"],
).action(async (file, dst, _options, command) =>
  (await import("./commands/zk.ts")).zkRestore(file, dst, withGlobals(command)),
);

zkOptions(
  zkCommand
    .command("rmr")
    .summary("delete SRC, leaves first, at the versions read")
    .argument("<SRC>", "host:port[,…]/path to delete")
    .option("--dry-run", "count what would be deleted; delete nothing")
    .option(
      "--expect-snapshot <file>",
      "refuse unless the tree still matches this snapshot; delete at its versions",
    )
    .option("--force", "delete even while live ephemeral nodes exist under SRC"),
  ["source"],
).action(async (src, _options, command) =>
  (await import("./commands/zk.ts")).zkRmr(src, withGlobals(command)),
);

/** Whether the subcommand about to run was given `--json` (it then ends with a result event). */
let json = false;
program.hook("preAction", (_program, action) => {
  json = action.opts().json === true;
});

/** Runs the program; returns the exit code. */
async function main(argv: string[]): Promise<number> {
  const verbose = () => program.opts().verbose === true;
  try {
    await program.parseAsync(argv);
    const exitCode = typeof process.exitCode === "number" ? process.exitCode : ExitCode.ok;
    return endCommand({ exitCode, json, verbose: verbose() });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too. Commander printed a usage error already; cron
      // asking for --json still gets it as the result event.
      if (error.exitCode === 0) return ExitCode.ok;
      if (!json && !argv.includes("--json")) return ExitCode.usage;
      const usage = new UsageError(error.message.replace(/^error: /, ""));
      return endCommand({ error: usage, exitCode: ExitCode.usage, json: true, verbose: false });
    }
    return endCommand({ error, exitCode: ExitCode.failed, json, verbose: verbose() });
  }
}

process.exitCode = await main(process.argv);
