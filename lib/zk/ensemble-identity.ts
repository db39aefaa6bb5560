/**
 * Which ZooKeeper servers belong to the same ensemble, proven without writing a znode: a session
 * is known to every server of the ensemble that created it and to no other, so a server that
 * accepts a session another server created (a reconnect with its id and password) is in that
 * server's ensemble, and one that answers "expired" is not. Spellings do not matter
 * (`localhost` vs `127.0.0.1`, hostnames, order): the servers answer for themselves.
 */
import { lookup } from "node:dns/promises";
import { createConnection } from "node:net";
import type { ServerAddress } from "./client.ts";
import { JuteReader } from "./jute.ts";
import { connectFrame, readConnectResponse, type SessionHandle } from "./wire.ts";

/** How one server answered a session created by the probe's first server. */
export type ServerVerdict = "same" | "other" | "no answer";

/** A server of a list and its verdict. */
export interface ServerIdentity {
  server: string;
  verdict: ServerVerdict;
  /** Why there was no answer. */
  detail?: string;
}

/** The outcome of {@link compareEnsembles}. */
export interface EnsembleComparison {
  /** The server whose session the others were asked about (the first source server answering). */
  probe?: string;
  source: ServerIdentity[];
  target: ServerIdentity[];
  /** Every source server is in the probe's ensemble and every target server in another one. */
  distinct: boolean;
}

/**
 * Asks every server of both lists whether it knows a session the first answering source server
 * created. Creates one short session (no znode), closed by dropping its connections.
 * @example const c = await compareEnsembles(parseTreeAddress(src).servers, parseTreeAddress(dst).servers);
 * if (!c.distinct) … // c.target lists the servers that belong to the source's ensemble
 */
export async function compareEnsembles(
  source: readonly ServerAddress[],
  target: readonly ServerAddress[],
  options: { timeoutMs?: number } = {},
): Promise<EnsembleComparison> {
  const deadline = performance.now() + (options.timeoutMs ?? 5000);
  const sockets: Array<{ destroy(): void }> = [];
  const failures = new Map<string, string>();
  // A server just started, or between leaders, may drop a handshake: ask again until the deadline.
  const answer = async (server: ServerAddress, handle: SessionHandle) => {
    for (;;) {
      const reply = await handshake(server, handle, deadline, sockets);
      if (typeof reply !== "string" || performance.now() >= deadline) return reply;
      failures.set(nameOf(server), reply);
      await Bun.sleep(100);
    }
  };
  try {
    let session: Handshake | undefined;
    let probe: string | undefined;
    for (const server of source) {
      const created = await answer(server, fresh);
      if (typeof created !== "string" && created.timeoutMs > 0) {
        [session, probe] = [created, nameOf(server)];
        break;
      }
    }
    // One at a time: a server closes the older of two connections presenting the same session.
    const identities: ServerIdentity[] = [];
    for (const server of [...source, ...target]) {
      const name = nameOf(server);
      if (!session) {
        const detail = failures.get(name) ?? "no source server created a session";
        identities.push({ server: name, verdict: "no answer", detail });
        continue;
      }
      const reply = await answer(server, { ...session, lastZxid: 0n });
      if (typeof reply === "string") {
        identities.push({ server: name, verdict: "no answer", detail: reply });
        continue;
      }
      const same = reply.timeoutMs > 0 && reply.sessionId === session.sessionId;
      identities.push({ server: name, verdict: same ? "same" : "other" });
    }
    const sourceIds = identities.slice(0, source.length);
    const targetIds = identities.slice(source.length);
    const distinct =
      sourceIds.every((s) => s.verdict === "same") && targetIds.every((t) => t.verdict === "other");
    return { probe, source: sourceIds, target: targetIds, distinct };
  } finally {
    for (const socket of sockets) socket.destroy();
  }
}

/**
 * The servers that kept a comparison from proving two ensembles distinct, as one line.
 * @example describeUnproven(c) // "nzk3:2181 did not answer (connect ECONNREFUSED …)"
 */
export function describeUnproven(identity: EnsembleComparison): string {
  const mixed = identity.source.filter((s) => s.verdict === "other").map((s) => s.server);
  const silent = [...identity.source, ...identity.target]
    .filter((s) => s.verdict === "no answer")
    .map((s) => `${s.server} did not answer (${s.detail})`);
  return [
    ...(mixed.length
      ? [`${mixed.join(", ")} belong to another ensemble than ${identity.probe}`]
      : []),
    ...silent,
  ].join("; ");
}

/**
 * Servers named in both lists once names are resolved (`localhost` and `127.0.0.1` are one
 * server). Names that do not resolve here are compared as written.
 * @example await sharedServers(["zk1:2181"], ["localhost:2181"]) // [] unless zk1 is this host
 */
export async function sharedServers(
  source: readonly ServerAddress[],
  target: readonly ServerAddress[],
): Promise<Array<{ source: string; target: string; address: string }>> {
  const resolve = async (server: ServerAddress) => {
    const addresses = await lookup(server.host, { all: true }).then(
      (found) => found.map((a) => `${a.address}:${server.port}`),
      () => [`${server.host.toLowerCase()}:${server.port}`],
    );
    return { name: nameOf(server), addresses };
  };
  const [from, to] = await Promise.all([
    Promise.all(source.map(resolve)),
    Promise.all(target.map(resolve)),
  ]);
  const shared: Array<{ source: string; target: string; address: string }> = [];
  for (const t of to) {
    for (const s of from) {
      const address = t.addresses.find((a) => s.addresses.includes(a));
      if (address) shared.push({ source: s.name, target: t.name, address });
    }
  }
  return shared;
}

interface Handshake {
  sessionId: bigint;
  password: Buffer;
  timeoutMs: number;
}

const fresh: SessionHandle = {
  lastZxid: 0n,
  timeoutMs: 4000,
  sessionId: 0n,
  password: Buffer.alloc(16),
};

function nameOf(server: ServerAddress): string {
  return server.host.includes(":")
    ? `[${server.host}]:${server.port}`
    : `${server.host}:${server.port}`;
}

/** Sends a ConnectRequest and reads the ConnectResponse; a string says why there was none. */
function handshake(
  server: ServerAddress,
  handle: SessionHandle,
  deadline: number,
  sockets: Array<{ destroy(): void }>,
): Promise<Handshake | string> {
  const timeoutMs = Math.max(100, Math.round(deadline - performance.now()));
  return new Promise((resolve) => {
    const socket = createConnection({ host: server.host, port: server.port });
    sockets.push(socket);
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => {
      resolve(`no handshake within ${timeoutMs} ms`);
      socket.destroy();
    }, timeoutMs);
    socket.on("connect", () =>
      socket.write(connectFrame({ ...handle, timeoutMs: fresh.timeoutMs })),
    );
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4 || received.length < 4 + received.readInt32BE(0)) return;
      clearTimeout(timer);
      resolve(readConnectResponse(new JuteReader(received, 4, 4 + received.readInt32BE(0))));
    });
    socket.on("error", (error) => {
      clearTimeout(timer);
      resolve(error.message);
    });
    // A server that drops the connection without answering is not serving (no quorum).
    socket.on("close", () => {
      clearTimeout(timer);
      resolve("closed the connection without answering");
    });
  });
}
