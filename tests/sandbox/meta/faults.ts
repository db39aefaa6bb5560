/** Failures a test can ask the simulated meta for, each faithful to an upstream failure path. */
import { existsSync } from "node:fs";

/**
 * The sandbox knob `Sandbox.failRecoverySync()`: a file in the meta's directory (its cwd) makes
 * the write of the recovered tree fail as a ZooKeeper error would — upstream's
 * `server_state::on_start_recovery` then aborts the meta with CHECK_EQ_MSG("sync apps to remote
 * storage failed when do recovery, …") after `sync_apps_to_remote_storage()` returned the error.
 */
export const recoverySyncFaultFile = "fault-recovery-sync";

/** Throws when the knob is set. */
export function failIfAsked(): void {
  if (existsSync(recoverySyncFaultFile))
    throw new Error(
      `create root node /apps in meta store failed, err = ERR_TIMEOUT (sandbox knob ${recoverySyncFaultFile})`,
    );
}
