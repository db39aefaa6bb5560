/**
 * Literal Pegasus shell output for the parser tests. The blocks marked "reference" are copied
 * byte for byte (trailing spaces included) from the examples in reference/pegasus.md §4; the others
 * are composed by the same printing rules (§4.4) where the reference gives only a fragment.
 */

/** reference §4.3: the 2.6 banner. */
export const banner26 =
  'Pegasus Shell 2.6.0-SNAPSHOT\nType "help" for more information.\nType "Ctrl-D" or "Ctrl-C" to exit the shell.\n\nThe config file is: /path/to/config-shell.ini.12345\nThe cluster name is: onebox\nThe cluster meta list is: 127.0.0.1:34601,127.0.0.1:34602\n';

/** The same banner from a 2.5.0 shell. */
export const banner25 =
  'Pegasus Shell 2.5.0\nType "help" for more information.\nType "Ctrl-D" or "Ctrl-C" to exit the shell.\n\nThe config file is: /path/to/config-shell.ini.4242\nThe cluster name is: onebox\nThe cluster meta list is: 127.0.0.1:34601,127.0.0.1:34602\n';

/** reference §4.7: `cluster_info` on ≤2.5 (a single table: no trailing blank line). */
export const clusterInfo25 =
  "[cluster_info]\nmeta_servers                  : 127.0.0.1:34601,127.0.0.1:34602,127.0.0.1:34603\nprimary_meta_server           : 127.0.0.1:34601\nzookeeper_hosts               : 127.0.0.1:22181\nzookeeper_root                : /pegasus/onebox/127.0.0.1\nmeta_function_level           : steady\nbalance_operation_count       : move_pri=0,copy_pri=0,copy_sec=0,total=0\nprimary_replica_count_stddev  : 0.00\ntotal_replica_count_stddev    : 0.00\ncluster_name                  : onebox\n";

/** reference §4.7: the 2.6 multi-line `balance_operation_count`, with the padding after the block. */
export const balanceBlock26 =
  'balance_operation_count       : {\n  "copy_pri": 0,\n  "copy_sec": 0,\n  "move_pri": 0,\n  "total": 0\n}\nprimary_replica_count_stddev  : 0.00    \n';

/** `cluster_info` on 2.6: the ≤2.5 table with the 2.6 balance block in place. */
export const clusterInfo26 =
  '[cluster_info]\nmeta_servers                  : 127.0.0.1:34601,127.0.0.1:34602,127.0.0.1:34603\nprimary_meta_server           : 127.0.0.1:34601\nzookeeper_hosts               : 127.0.0.1:22181\nzookeeper_root                : /pegasus/onebox/127.0.0.1\nmeta_function_level           : steady\nbalance_operation_count       : {\n  "copy_pri": 0,\n  "copy_sec": 0,\n  "move_pri": 0,\n  "total": 0\n}\nprimary_replica_count_stddev  : 0.00    \ntotal_replica_count_stddev    : 0.00\ncluster_name                  : onebox\n';

/** reference §4.5: `ls` on 2.6 (general_info with atomic_idempotent, then summary). */
export const lsGeneral26 =
  "[general_info]\napp_id  status     app_name  app_type  partition_count  replica_count  is_stateful  create_time          drop_time  drop_expire  envs_count  atomic_idempotent  \n1       AVAILABLE  stat      pegasus   4                3              true         2024-05-20_10:11:12  -          -            0           false              \n2       AVAILABLE  temp      pegasus   8                3              true         2024-05-20_10:11:12  -          -            0           false              \n\n[summary]\ntotal_app_count  : 2\n\n";

/** reference §4.5: what `ls -d` adds (healthy_info and the longer summary). */
export const lsHealthy =
  "[healthy_info]\napp_id  app_name  partition_count  fully_healthy  unhealthy  write_unhealthy  read_unhealthy  \n1       stat      4                4              0          0                0               \n2       temp      8                7              1          1                0               \n\n[summary]\ntotal_app_count            : 2\nfully_healthy_app_count    : 1\nunhealthy_app_count        : 1\nwrite_unhealthy_app_count  : 1\nread_unhealthy_app_count   : 0\n\n";

/** reference §4.5: `ls -d -j`. */
export const lsJson =
  '{\n    "general_info": {\n        "1": {\n            "app_id": "1",\n            "status": "AVAILABLE",\n            "app_name": "stat",\n            "app_type": "pegasus",\n            "partition_count": "4",\n            "replica_count": "3",\n            "is_stateful": "true",\n            "create_time": "2024-05-20_10:11:12",\n            "drop_time": "-",\n            "drop_expire": "-",\n            "envs_count": "0",\n            "atomic_idempotent": "false"\n        }\n    },\n    "healthy_info": {\n        "1": {\n            "app_id": "1",\n            "app_name": "stat",\n            "partition_count": "4",\n            "fully_healthy": "4",\n            "unhealthy": "0",\n            "write_unhealthy": "0",\n            "read_unhealthy": "0"\n        }\n    },\n    "summary": {\n        "total_app_count": "1",\n        "fully_healthy_app_count": "1",\n        "unhealthy_app_count": "0",\n        "write_unhealthy_app_count": "0",\n        "read_unhealthy_app_count": "0"\n    }\n}\n';

/** reference §4.6: `nodes -d -o onebox.nodes` (right-aligned counts, a [parameters] table first). */
export const nodesWithParameters =
  "[parameters]\nout_file  : onebox.nodes\n\n[details]\naddress          status     replica_count  primary_count  secondary_count\n127.0.0.1:34801  ALIVE                 12              4                8\n127.0.0.1:34802  ALIVE                 12              4                8\n127.0.0.1:34803  UNALIVE                0              0                0\n\n[summary]\ntotal_node_count    : 3\nalive_node_count    : 2\nunalive_node_count  : 1\n\n";

/** reference §4.6: `nodes -d -j`. */
export const nodesJson =
  '{\n    "details": {\n        "127.0.0.1:34801": {\n            "address": "127.0.0.1:34801",\n            "status": "ALIVE",\n            "replica_count": "12",\n            "primary_count": "4",\n            "secondary_count": "8"\n        }\n    },\n    "summary": {\n        "total_node_count": "3",\n        "alive_node_count": "2",\n        "unalive_node_count": "1"\n    }\n}\n';

/** reference §4.9: a successful `recover` with one hint line. */
export const recoverWithHint =
  "Wait seconds: 100\nSkip bad nodes: false\nSkip lost partitions: false\nNode list:\n=============================\nx.x.x.x:34801\nx.x.x.x:34802\n=============================\nWait recovery for 0 seconds\nWait recovery for 1 seconds\nRecover result: ERR_OK\n=============================\nWARNING: partition(1.0) only collects 2/3 of replicas, may lost data\n=============================\n";

/** reference §4.9: the hint line templates (placeholders as in the reference). */
export const recoverHintTemplates =
  "ERROR: collect app and replica info from node(X) failed with err(E), you can skip it by set skip_bad_nodes option\nWARNING: collect app and replica info from node(X) failed with err(E), skip the bad node\nERROR: partition(A.P) has no replica collected, you can force recover it by set skip_lost_partitions option\nWARNING: partition(A.P) has no replica collected, force recover the lost partition to empty\nWARNING: partition(A.P) only collects n/3 of replicas, may lost data\nWARNING: app(N)'s old name(X) is conflict with others, rename it to (Y)\n";

/** reference §4.10: `server_info` on ≤2.5, printed on stderr. */
export const serverInfo25Stderr =
  "COMMAND: server-info\n\nCALL [meta-server] [127.0.0.1:34601] succeed: Pegasus Server 2.5.0 (<git sha>) Release, Started at 2024-01-01 12:00:00\nCALL [replica-server] [127.0.0.1:34801] failed: ERR_TIMEOUT\n\nSucceed count: 1\nFailed count: 1\n";

/** reference §4.10: `server_info` on 2.6, JSON on stdout. */
export const serverInfo26 =
  '{\n  "command": "server-info ",\n  "details": {\n    "127.0.0.1:34601": {"acked": true, "message": {"build_type": "Release", "git_SHA": "…", "start_time": "2024-…", "version": "2.6.0"}, "role": "meta-server"}\n  },\n  "failed_count": 0,\n  "succeed_count": 1\n}\n';

/** `ls` on ≤2.5: the 2.6 example without the `atomic_idempotent` column. */
export const lsGeneral25 = lsGeneral26
  .split("\n")
  .map((line) =>
    line.startsWith("[") || !line.includes("  ")
      ? line
      : line.replace(/(false|atomic_idempotent) +$/, ""),
  )
  .join("\n");

/** `ls -d` on 2.6 as one output: general_info, healthy_info, summary. */
export const lsDetailed26 = lsGeneral26.slice(0, lsGeneral26.indexOf("[summary]")) + lsHealthy;

/** `nodes -d` on 2.6 without `-o`: no [parameters] table; host:port addresses. */
export const nodesDetailed26 =
  "[details]\n" +
  "address                    status  replica_count  primary_count  secondary_count\n" +
  "replica1.example.com:34801  ALIVE             12              4                8\n" +
  "replica2.example.com:34801  ALIVE             12              4                8\n" +
  "\n" +
  "[summary]\n" +
  "total_node_count    : 2\n" +
  "alive_node_count    : 2\n" +
  "unalive_node_count  : 0\n" +
  "\n";

/** `nodes` without `-d` on ≤2.5: address and status only (left-aligned, so trailing spaces). */
export const nodesBrief25 =
  "[details]\n" +
  "address          status   \n" +
  "127.0.0.1:34801  ALIVE    \n" +
  "127.0.0.1:34803  UNALIVE  \n" +
  "\n" +
  "[summary]\n" +
  "total_node_count    : 2\n" +
  "alive_node_count    : 1\n" +
  "unalive_node_count  : 1\n" +
  "\n";

/** `cluster_info -j` (4-space PrettyWriter, every value a string). */
export const clusterInfoJson25 = `{
    "cluster_info": {
        "meta_servers": "127.0.0.1:34601,127.0.0.1:34602,127.0.0.1:34603",
        "primary_meta_server": "127.0.0.1:34601",
        "zookeeper_hosts": "127.0.0.1:22181",
        "zookeeper_root": "/pegasus/onebox/127.0.0.1",
        "meta_function_level": "steady",
        "balance_operation_count": "move_pri=0,copy_pri=0,copy_sec=0,total=0",
        "primary_replica_count_stddev": "0.00",
        "total_replica_count_stddev": "0.00",
        "cluster_name": "onebox"
    }
}
`;

/** `cluster_info -j` on 2.6, with the balance JSON embedded as a string (its exact form is unverified). */
export const clusterInfoJson26 = clusterInfoJson25.replace(
  '"move_pri=0,copy_pri=0,copy_sec=0,total=0"',
  JSON.stringify('{\n  "copy_pri": 0,\n  "copy_sec": 0,\n  "move_pri": 0,\n  "total": 0\n}'),
);

/** `get_app_envs` in text mode: a single key/value table (no trailing blank line). */
export const appEnvsText =
  "[app_envs]\n" +
  "replica.deny_client_request  : timeout*all        \n" +
  "rocksdb.usage_scenario       : bulk_load          \n" +
  "user_specified_compaction    : a b c, with spaces\n";

/** `get_app_envs -j`. */
export const appEnvsJson = `{
    "app_envs": {
        "replica.deny_client_request": "timeout*all",
        "rocksdb.usage_scenario": "bulk_load"
    }
}
`;
