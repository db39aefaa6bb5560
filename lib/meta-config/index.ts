/**
 * The meta-config door: read a meta server's `config.ini` the rDSN way (`read.ts`, over the
 * line scanner in `scan.ts`) and edit single lines keeping every other byte (`edit.ts`).
 */
export * from "./edit.ts";
export * from "./read.ts";
export * from "./scan.ts";
