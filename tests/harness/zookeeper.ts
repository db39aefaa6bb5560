/**
 * Test harness: real Debian ZooKeeper 3.8 servers, each standalone on a free loopback port with
 * its own data directory. Servers are started through zx under `setpriv --pdeathsig SIGKILL`, so
 * they die with the test runner even if it crashes; `stopZooKeepers()` and an exit hook stop them
 * in the normal case. Readiness is a `ruok` probe with a timeout per probe (a 3.8.0 server can
 * hang a four-letter word sent while it loads).
 *
 * `startDetachedZooKeeper()` is the variant for the sandbox CLI: a server in its own session with
 * a pid file, which outlives the command that started it and is stopped by pid.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { $, type ProcessPromise } from "zx";
import { isAlive, spawnDetached, stopPidFile } from "./detached.ts";
import { freePort } from "./ports.ts";

const zookeeperJar = "/usr/share/java/zookeeper.jar";
const classpath = `/etc/zookeeper/conf:${zookeeperJar}`;

/** One standalone ZooKeeper server under test control. */
export interface ZooKeeperServer {
  readonly name: string;
  readonly port: number;
  readonly dataDir: string;
  /** `127.0.0.1:PORT`. */
  readonly connectString: string;
  /** The java process id, or null while stopped. */
  readonly pid: number | null;
  /** Graceful stop (SIGTERM, then SIGKILL after 5 s); waits for the process to exit. */
  stop(): Promise<void>;
  /** Hard kill (SIGKILL), as a crash would; waits for the process to exit. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and data directory; waits for `ruok`. */
  start(): Promise<void>;
}

/** Options of {@link startZooKeepers}. */
export interface StartOptions {
  /** ZooKeeper tickTime; sessions may last 2..20 ticks. @default 1000 */
  tickTimeMs?: number;
  /** How long to wait for `ruok` per server. @default 60000 */
  readyTimeoutMs?: number;
  /** Allow TTL nodes (`zookeeper.extendedTypesEnabled`). @default true */
  extendedTypes?: boolean;
  /** Java heap (-Xmx) in MB. @default 512 */
  heapMb?: number;
  /** Extra system properties, e.g. `{ "jute.maxbuffer": "200000" }`. @default {} */
  properties?: Record<string, string>;
  /** Connections the server takes from one client host (zoo.cfg `maxClientCnxns`; 0: any). @default 0 */
  maxClientCnxns?: number;
}

const running = new Set<Server>();
let baseDir: string | undefined;

/** True when Debian's zookeeper package is installed. */
export function hasZooKeeper(): boolean {
  return existsSync(zookeeperJar);
}

/**
 * Starts `count` independent standalone servers in parallel and waits until each answers `ruok`.
 * @example const [source, target] = await startZooKeepers(2); afterAll(() => stopZooKeepers());
 */
export async function startZooKeepers(
  count: number,
  options: StartOptions = {},
): Promise<ZooKeeperServer[]> {
  if (!hasZooKeeper()) {
    throw new Error(
      `Cannot start ZooKeeper as ${zookeeperJar} is missing: run \`apt-get install -y zookeeper\``,
    );
  }
  baseDir ??= mkdtempSync(join(tmpdir(), "pzm-zk-"));
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  const servers = ports.map((port) => new Server(port, baseDir as string, options));
  try {
    await Promise.all(servers.map((s) => s.start()));
  } catch (error) {
    await Promise.all(servers.map((s) => s.kill()));
    throw error;
  }
  return servers;
}

/** Stops every server this process started and removes their data directories. */
export async function stopZooKeepers(): Promise<void> {
  await Promise.all([...running].map((s) => s.kill()));
  if (baseDir) rmSync(baseDir, { recursive: true, force: true });
  baseDir = undefined;
}

process.on("exit", () => {
  for (const server of running) server.killNow();
  if (baseDir) rmSync(baseDir, { recursive: true, force: true });
});

/**
 * Sends `ruok` and resolves true on `imok`; false on any error or after `timeoutMs`.
 * @example await ruok(2181, 1000)
 */
export function ruok(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    let reply = "";
    const socket = createConnection({ host: "127.0.0.1", port });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on("connect", () => socket.write("ruok"));
    socket.on("data", (chunk) => {
      reply += chunk.toString();
    });
    socket.on("end", () => done(reply === "imok"));
    socket.on("error", () => done(false));
  });
}

class Server implements ZooKeeperServer {
  readonly name: string;
  readonly dataDir: string;
  readonly connectString: string;
  private process: ProcessPromise | null = null;
  private exited: Promise<unknown> | null = null;
  private readonly configFile: string;

  constructor(
    readonly port: number,
    base: string,
    private readonly options: StartOptions,
  ) {
    this.name = `zk-${port}`;
    this.dataDir = join(base, this.name);
    this.connectString = `127.0.0.1:${port}`;
    this.configFile = writeZooConfig(this.dataDir, port, options);
  }

  get pid(): number | null {
    return this.process?.child?.pid ?? null;
  }

  async start(): Promise<void> {
    if (this.process) return;
    // `exec` keeps one process: bash becomes setpriv becomes java, a direct child of the runner.
    const child = $({
      quiet: true,
      nothrow: true,
      cwd: this.dataDir,
    })`exec setpriv --pdeathsig SIGKILL ${zooKeeperArgv(this.configFile, this.options)}`;
    this.process = child;
    this.exited = child.then(() => {
      if (this.process === child) this.process = null;
      running.delete(this);
    });
    running.add(this);
    const deadline = Date.now() + (this.options.readyTimeoutMs ?? 60_000);
    while (Date.now() < deadline) {
      if (!this.process) {
        const out = await child;
        throw new Error(
          `ZooKeeper ${this.name} exited with ${out.exitCode} while starting:\n${out.stderr.slice(-2000)}`,
        );
      }
      if (await ruok(this.port, 1000)) return;
      await Bun.sleep(100);
    }
    await this.kill();
    throw new Error(
      `ZooKeeper ${this.name} did not answer ruok within ${this.options.readyTimeoutMs ?? 60_000} ms`,
    );
  }

  stop(): Promise<void> {
    return this.signal("SIGTERM", 5000);
  }

  kill(): Promise<void> {
    return this.signal("SIGKILL", 0);
  }

  /** Synchronous kill for the exit hook. */
  killNow(): void {
    const pid = this.pid;
    if (pid) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }

  private async signal(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    const pid = this.pid;
    const exited = this.exited;
    if (!pid || !exited) return;
    try {
      process.kill(pid, signal);
    } catch (error) {
      // It may have died on its own since (a server failing to start under load): nothing to do.
      if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
    }
    if (graceMs > 0) {
      const timer = setTimeout(() => this.killNow(), graceMs);
      await exited;
      clearTimeout(timer);
    } else await exited;
  }
}

/** Writes `zoo.cfg` (and the data directory) for a standalone server; returns the file's path. */
function writeZooConfig(dir: string, port: number, options: StartOptions): string {
  mkdirSync(join(dir, "data"), { recursive: true });
  const configFile = join(dir, "zoo.cfg");
  writeFileSync(
    configFile,
    [
      `tickTime=${options.tickTimeMs ?? 1000}`,
      `dataDir=${join(dir, "data")}`,
      `clientPort=${port}`,
      "clientPortAddress=127.0.0.1",
      `maxClientCnxns=${options.maxClientCnxns ?? 0}`,
      "admin.enableServer=false",
      "4lw.commands.whitelist=*",
      "",
    ].join("\n"),
  );
  return configFile;
}

/** The java command line of a standalone server reading `configFile`. */
function zooKeeperArgv(configFile: string, options: StartOptions): string[] {
  const jvm = [
    "-Xms64m",
    `-Xmx${options.heapMb ?? 512}m`,
    "-XX:+UseSerialGC",
    "-Djava.net.preferIPv4Stack=true",
    `-Dzookeeper.extendedTypesEnabled=${options.extendedTypes ?? true}`,
    ...Object.entries(options.properties ?? {}).map(([key, value]) => `-D${key}=${value}`),
  ];
  return [
    "java",
    ...jvm,
    "-cp",
    classpath,
    "org.apache.zookeeper.server.ZooKeeperServerMain",
    configFile,
  ];
}

/** A standalone server started by {@link startDetachedZooKeeper}. */
export interface DetachedZooKeeper {
  readonly port: number;
  readonly dir: string;
  /** `127.0.0.1:PORT`. */
  readonly connectString: string;
  readonly pid: number;
  /** `DIR/zookeeper.pid`. */
  readonly pidFile: string;
}

/**
 * Starts a standalone server in `dir` (its config, data, log and pid file live there) in its own
 * session, so it outlives this process; waits for `ruok`. Stop it with
 * {@link stopDetachedZooKeeper}. Restarting on the same `dir` and `port` keeps the data.
 * @example const zk = await startDetachedZooKeeper("/tmp/sb/zk-old", { port: await freePort() });
 */
export async function startDetachedZooKeeper(
  dir: string,
  options: StartOptions & {
    port: number;
    /** Kill the server (within a second) once this process is gone: a watchdog per server. */
    ownerPid?: number;
  },
): Promise<DetachedZooKeeper> {
  if (!hasZooKeeper()) {
    throw new Error(
      `Cannot start ZooKeeper as ${zookeeperJar} is missing: run \`apt-get install -y zookeeper\``,
    );
  }
  const configFile = writeZooConfig(dir, options.port, options);
  const pidFile = join(dir, "zookeeper.pid");
  const pid = await spawnDetached(zooKeeperArgv(configFile, options), {
    cwd: dir,
    logFile: join(dir, "zookeeper.log"),
    pidFile,
  });
  if (options.ownerPid !== undefined) {
    const watchdog = `while kill -0 ${options.ownerPid} 2>/dev/null && kill -0 ${pid} 2>/dev/null; do sleep 1; done; kill -9 ${pid} 2>/dev/null`;
    await spawnDetached(["sh", "-c", watchdog, "pzm-zookeeper-watchdog", configFile], {
      cwd: dir,
      logFile: "/dev/null",
    });
  }
  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  while (!(await ruok(options.port, 1000))) {
    if (!isAlive(pid) || Date.now() > deadline) {
      await stopDetachedZooKeeper(dir);
      throw new Error(
        `ZooKeeper in ${dir} did not answer ruok on port ${options.port} within ${timeoutMs} ms; see ${join(dir, "zookeeper.log")}`,
      );
    }
    await Bun.sleep(100);
  }
  return { port: options.port, dir, connectString: `127.0.0.1:${options.port}`, pid, pidFile };
}

/**
 * Stops the server started in `dir` by {@link startDetachedZooKeeper} (by its pid file, checking
 * that the pid still runs that server's config) and waits until it is gone.
 * @returns True when a running server was stopped.
 */
export function stopDetachedZooKeeper(dir: string, graceMs = 5000): Promise<boolean> {
  return stopPidFile(join(dir, "zookeeper.pid"), join(dir, "zoo.cfg"), { graceMs });
}
