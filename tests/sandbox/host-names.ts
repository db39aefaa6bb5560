/**
 * The sandbox's host-name mode (2.6 only): every process is still reached at `127.0.0.1:port`,
 * but calls itself and its peers by the reverse-DNS name of that IP, as 2.6 does
 * (master `rpc/rpc_engine.cpp` `rpc_engine::start`: `host_port::from_address`, i.e.
 * `getnameinfo`; `meta_service.cpp` `on_list_nodes`: `SET_IP_AND_HOST_PORT_BY_DNS`). On a stock
 * machine 127.0.0.1 reverse-resolves to `localhost`, so `primary_meta_server`, `nodes` and the
 * lock node say `localhost:34601` while `server_list` and the inventory say `127.0.0.1:34601`.
 */
import { lookup, lookupService } from "node:dns/promises";
import { isIP } from "node:net";

/** Names an `ip:port` the way the process behind it names itself. */
export type HostNamer = (address: string) => string;

/** Every sandbox process listens on this IP. */
export const sandboxIp = "127.0.0.1";

/**
 * The namer of a process: identity when the mode is off, else `reverse(ip):port`.
 * @throws {Error} If 127.0.0.1 has no reverse name (the real 2.6 server CHECK-fails likewise).
 */
export async function hostNamer(enabled: boolean): Promise<HostNamer> {
  if (!enabled) return (address) => address;
  const { hostname } = await lookupService(sandboxIp, 0);
  if (!hostname || isIP(hostname))
    throw new Error(`'${sandboxIp}' can not be reverse resolved (rpc_engine::start)`);
  return (address) => {
    const colon = address.lastIndexOf(":");
    const host = address.slice(0, colon);
    return host === sandboxIp ? `${hostname}${address.slice(colon)}` : address;
  };
}

/**
 * The `ip:port` a `host:port` resolves to (IPv4, as `host_port::resolve` does), for RPCs.
 * @throws {Error} If the name does not resolve.
 */
export async function resolveAddress(address: string): Promise<string> {
  const colon = address.lastIndexOf(":");
  const host = address.slice(0, colon);
  if (isIP(host)) return address;
  const { address: ip } = await lookup(host, { family: 4 });
  return `${ip}${address.slice(colon)}`;
}
