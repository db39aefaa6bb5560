/**
 * Free TCP ports for test servers. Test files run two at a time, each picking ports at random
 * from the same range, and a port picked is not bound at once (a ZooKeeper JVM takes seconds to
 * listen): in that window it still looks free to the other process, which then starts its own
 * server there, fails to bind, and talks to the first process's server instead (the likely cause
 * of one CI failure: a fresh sandbox's create of `table01` answered ERR_APP_EXIST). So each port
 * handed out is also reserved for a while by a file that only one process can create.
 */
import { mkdirSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const reservations = join(tmpdir(), "pzm-port-reservations");

/** Longer than a test stops and restarts a server on its port: a reservation older than this is free again. */
const reservedMs = 10 * 60_000;

/**
 * A free TCP port on 127.0.0.1 that no other test process was handed in the last 10 minutes,
 * chosen below the kernel's ephemeral range (32768+): a client connecting to a stopped server's
 * port could otherwise be handed that very port and connect to itself.
 */
export async function freePort(): Promise<number> {
  mkdirSync(reservations, { recursive: true });
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (reserve(port) && (await canBind(port))) return port;
  }
  throw new Error(
    `No free port in 20000-31999 after 200 tries (reservations in ${reservations}): remove that directory if no tests run`,
  );
}

/** Creates the port's reservation file, or takes over one older than {@link reservedMs}. */
function reserve(port: number): boolean {
  const file = join(reservations, String(port));
  try {
    writeFileSync(file, String(process.pid), { flag: "wx" });
    return true;
  } catch {
    try {
      if (Date.now() - statSync(file).mtimeMs < reservedMs) return false;
      unlinkSync(file);
      writeFileSync(file, String(process.pid), { flag: "wx" });
      return true;
    } catch {
      return false;
    }
  }
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
