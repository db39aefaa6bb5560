/**
 * The Pegasus shell door: {@link PegasusShell} runs the shell through the hosts door, and one
 * module per command family builds its command line and parses what each Pegasus version prints.
 */
export * from "./cluster-info.ts";
export * from "./errors.ts";
export * from "./health.ts";
export * from "./identity.ts";
export * from "./listings.ts";
export * from "./meta.ts";
export type { CommandOutput, ShellCommand, ShellVersion } from "./output.ts";
export * from "./pegasus-shell.ts";
export * from "./server.ts";
export * from "./set-app-envs.ts";
