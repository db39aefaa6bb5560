#!/usr/bin/env bun
/**
 * The binary's entry: parses the command line and dispatches to one subcommand module, imported
 * only when that subcommand runs so `--help` and `--version` stay fast. Errors are caught here,
 * once: the message, the hint and every cause are printed, and the exit code comes from the error.
 */
import { Command, CommanderError, Option } from "commander";
import { describeError, ExitCode } from "../lib/errors.ts";
import packageJson from "../package.json" with { type: "json" };

// A bastion's cron or `env -i` may give us no PATH; the commands we start still need one.
process.env.PATH ||= "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

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
  new Option("-m, --method <method>", "the migration method: copy (upstream method 2)").makeOptionMandatory();

program
  .command("check")
  .summary("read-only preflight: could the migration start now? (exit 0 ready, 3 not)")
  .description("Check both ensembles, the shell, every node and every meta config without changing anything. Exit 0 ready, 3 not ready (each failing check named), 2 bad inventory.")
  .addOption(inventoryOption())
  .addOption(methodOption())
  .option("--json", "print NDJSON events")
  .action(async (options) => (await import("./commands/check.ts")).check({ ...options, verbose: program.opts().verbose }));

program
  .command("plan")
  .summary("print every step, its checks and exact commands; touch nothing")
  .description("A dry run of the runbook: every step with its checks, the exact commands, the config diffs and the number of znodes to copy. Nothing is changed.")
  .addOption(inventoryOption())
  .addOption(methodOption())
  .option("--clean-old", "include deleting the old subtree (step 7)")
  .option("--json", "print NDJSON events")
  .action(async (options) => (await import("./commands/plan.ts")).plan({ ...options, verbose: program.opts().verbose }));

program
  .command("run")
  .summary("run the runbook, resuming from the journal")
  .description("Run every step in order, each checked before and after and journaled; a finished step is verified and skipped, so an interrupted run resumes. Asks before destructive steps on a TTY unless --yes.")
  .addOption(inventoryOption())
  .addOption(methodOption())
  .option("--yes", "do not ask before destructive steps")
  .option("--clean-old", "also delete the old subtree once the new cluster is healthy")
  .option("--json", "print NDJSON events")
  .action(async (options) => (await import("./commands/run.ts")).run({ ...options, verbose: program.opts().verbose }));

program
  .command("status")
  .summary("show the journal: steps, evidence, backups")
  .addOption(inventoryOption())
  .option("--json", "print the journal as JSON")
  .action(async (options) => (await import("./commands/status.ts")).status(options));

program
  .command("step")
  .summary("run one runbook step, e.g. copy/03-copy-tree")
  .argument("<id>", "the step id (copy/01-stop-followers … copy/07-clean-old-zk)")
  .addOption(inventoryOption())
  .option("--dry-run", "print what the step would do; change nothing")
  .option("--yes", "do not ask before destructive actions")
  .option("--json", "print NDJSON events")
  .action(async (id, options) => (await import("./commands/step.ts")).step(id, { ...options, verbose: program.opts().verbose }));

/** Runs the program; returns the exit code. */
async function main(argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : ExitCode.ok;
  } catch (error) {
    return report(error, program.opts().verbose === true);
  }
}

function report(error: unknown, verbose: boolean): number {
  if (error instanceof CommanderError) {
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  const { text, exitCode } = describeError(error, verbose);
  process.stderr.write(text);
  return exitCode;
}

process.exitCode = await main(process.argv);
