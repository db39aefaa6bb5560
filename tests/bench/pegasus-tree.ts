/**
 * A Pegasus-shaped tree for tests and the benchmark (reference pegasus.md §6.3, §6.7, §10):
 * `/pegasus/<cluster>` with `lock/dsn.meta.server.leader`, `apps` ("unlock"), one JSON node per
 * table and one per partition (serving-partition JSON with FQDN hosts, ≈ 400 bytes), `bulk_load`
 * and `backup`. 100 tables × 256 partitions gives ≈ 25,700 znodes and ≈ 10 MB.
 */
import { openAcl } from "../../lib/zk/jute.ts";
import type { MultiOp } from "../../lib/zk/protocol.ts";

/** Shape of the generated tree. */
export interface PegasusTreeShape {
  cluster?: string;
  tables?: number;
  partitions?: number;
}

/** Create operations for the tree, parents first (the lock node itself is not included). */
export function pegasusTree(shape: PegasusTreeShape = {}): { root: string; ops: MultiOp[] } {
  const cluster = shape.cluster ?? "c1";
  const tables = shape.tables ?? 100;
  const partitions = shape.partitions ?? 256;
  const root = `/pegasus/${cluster}`;
  const ops: MultiOp[] = [];
  const add = (path: string, data: string) =>
    ops.push({ type: "create", path, data: Buffer.from(data), acl: openAcl, flags: 0 });
  add("/pegasus", "");
  add(root, "");
  add(`${root}/lock`, "");
  add(`${root}/lock/dsn.meta.server.leader`, "");
  add(`${root}/apps`, "unlock");
  for (let t = 1; t <= tables; t++) {
    add(`${root}/apps/${t}`, appInfo(t, partitions));
    for (let p = 0; p < partitions; p++) add(`${root}/apps/${t}/${p}`, partition(t, p));
  }
  add(`${root}/bulk_load`, "");
  add(`${root}/backup`, "");
  return { root, ops };
}

function appInfo(id: number, partitions: number): string {
  return `{"status":"app_status::AS_AVAILABLE","app_type":"pegasus","app_name":"table_${id}","app_id":${id},"partition_count":${partitions},"envs":{"default_ttl":"86400","replica.deny_client_request":"reconfig*all","rocksdb.usage_scenario":"normal"},"is_stateful":1,"max_replica_count":3,"expire_second":0,"create_second":1700000000,"drop_second":0,"duplicating":0,"init_partition_count":${partitions},"is_bulk_loading":0,"atomic_idempotent":0}`;
}

function partition(table: number, index: number): string {
  const rs = (n: number) =>
    `rs-${String(((table * 7 + index + n) % 120) + 1).padStart(3, "0")}.example.com:34801`;
  const ip = (n: number) => `10.132.${(table + n) % 250}.${((index + n) % 250) + 1}:34801`;
  return `{"pid":"${table}.${index}","ballot":${1000 + index},"max_replica_count":3,"primary":"${ip(0)}","secondaries":["${ip(1)}","${ip(2)}"],"last_drops":["${ip(3)}"],"last_committed_decree":${12_345_678 + table * 1000 + index},"partition_flags":0,"hp_primary":"${rs(0)}","hp_secondaries":["${rs(1)}","${rs(2)}"],"hp_last_drops":["${rs(3)}"]}`;
}
