#!/usr/bin/env bun
/**
 * The binary's entry: parses the command line and dispatches to one subcommand module, imported
 * only when that subcommand runs so `--help` and `--version` stay fast. Errors are caught here,
 * once: the message, the hint and every cause are printed, and the exit code comes from the error.
 */
import { Command, CommanderError, Option } from "commander";
import { ExitCode, ToolError } from "../lib/errors.ts";
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
  const lines: string[] = [];
  if (error instanceof ToolError) {
    lines.push(`error: ${error.message}`);
    if (error.hint) lines.push(`hint: ${error.hint}`);
  } else {
    lines.push(`error: ${error instanceof Error ? error.message : String(error)}`);
  }
  for (let cause = (error as Error)?.cause; cause; cause = (cause as Error).cause) {
    lines.push(`cause: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  if (verbose && error instanceof Error && error.stack) lines.push(error.stack);
  process.stderr.write(`${lines.join("\n")}\n`);
  return error instanceof ToolError ? error.exitCode : ExitCode.failed;
}

process.exitCode = await main(process.argv);
