/**
 * The configuration of a test node: a single-node `cassandra.yaml` (loopback
 * only, small thread pools, nothing that waits at startup), a logback file,
 * and the JVM flags Cassandra 5.0 needs on Java 17.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface NodeConfig {
  readonly clusterName: string;
  readonly nativePort: number;
  readonly storagePort: number;
  readonly logFile: string;
  readonly syncCommitlog: boolean;
}

/** Writes `cassandra.yaml` and `logback.xml` into `home`. */
export async function writeConfig(home: string, config: NodeConfig) {
  const { clusterName, nativePort, storagePort, logFile, syncCommitlog } = config;
  const data = join(home, 'data');
  await mkdir(data, { recursive: true });
  // Single node, loopback only, small thread pools, nothing that waits at startup.
  const yaml = `cluster_name: ${clusterName}
num_tokens: 1
initial_token: 0
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
auto_bootstrap: false
authenticator: AllowAllAuthenticator
authorizer: AllowAllAuthorizer
endpoint_snitch: SimpleSnitch
dynamic_snitch: false
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "127.0.0.1:${storagePort}"
listen_address: 127.0.0.1
rpc_address: 127.0.0.1
storage_port: ${storagePort}
ssl_storage_port: ${storagePort + 1}
native_transport_port: ${nativePort}
start_native_transport: true
data_file_directories: [${data}/data]
commitlog_directory: ${data}/commitlog
saved_caches_directory: ${data}/saved_caches
hints_directory: ${data}/hints
cdc_raw_directory: ${data}/cdc_raw
${syncCommitlog ? 'commitlog_sync: batch' : 'commitlog_sync: periodic\ncommitlog_sync_period: 10000ms'}
hinted_handoff_enabled: false
concurrent_reads: 4
concurrent_writes: 4
concurrent_counter_writes: 2
concurrent_materialized_view_writes: 2
concurrent_compactors: 1
memtable_flush_writers: 1
key_cache_size: 8MiB
`;
  await writeFile(join(home, 'cassandra.yaml'), yaml);
  await writeFile(
    join(home, 'logback.xml'),
    `<configuration>
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>${logFile}</file>
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="FILE"/></root>
</configuration>
`,
  );
}

/**
 * The JVM flags: `conf/jvm-server.options` and `conf/jvm17-server.options` of
 * Cassandra 5.0 (the JPMS exports/opens are required on Java 17), with a small
 * heap, C1 only, and without `AlwaysPreTouch`, which only slows a test node's start.
 */
export function jvmArgs(home: string, classpath: string[], heap: string): string[] {
  const jamm = classpath.find((j) => /\/jamm-[^/]*\.jar$/.test(j));
  return [
    '-Xms256m',
    `-Xmx${heap}`,
    '-Xss256k',
    '-XX:+UseG1GC',
    '-XX:+ParallelRefProcEnabled',
    '-XX:MaxTenuringThreshold=1',
    '-XX:+UseThreadPriorities',
    '-XX:+PerfDisableSharedMem',
    '-XX:+ExitOnOutOfMemoryError',
    '-XX:ActiveProcessorCount=2',
    // C1 only: a test node lives for a minute; C2's compile threads would only
    // compete for the CPU (measured on 2 cores: start 27 s -> 10 s, appends faster too).
    '-XX:TieredStopAtLevel=1',
    '-ea',
    '-da:net.openhft...',
    '-Djava.net.preferIPv4Stack=true',
    '-Djdk.attach.allowAttachSelf=true',
    ...[
      'java.base/jdk.internal.misc',
      'java.management.rmi/com.sun.jmx.remote.internal.rmi',
      'java.rmi/sun.rmi.registry',
      'java.rmi/sun.rmi.server',
      'java.sql/java.sql',
      'java.base/java.lang.ref',
      'jdk.unsupported/sun.misc',
      'jdk.compiler/com.sun.tools.javac.file',
      'jdk.attach/sun.tools.attach',
    ].flatMap((p) => ['--add-exports', `${p}=ALL-UNNAMED`]),
    ...[
      'java.base/java.lang.module',
      'java.base/jdk.internal.loader',
      'java.base/jdk.internal.ref',
      'java.base/jdk.internal.reflect',
      'java.base/jdk.internal.math',
      'java.base/jdk.internal.module',
      'java.base/jdk.internal.util.jar',
      'jdk.management/com.sun.management.internal',
      'java.base/sun.nio.ch',
      'java.base/java.io',
      'java.base/java.lang.reflect',
      'jdk.compiler/com.sun.tools.javac',
      'java.base/java.lang',
      'java.base/java.util',
    ].flatMap((p) => ['--add-opens', `${p}=ALL-UNNAMED`]),
    '-Dio.netty.tryReflectionSetAccessible=true',
    '-Dio.netty.allocator.useCacheForAllThreads=true',
    '-Dio.netty.allocator.maxOrder=11',
    ...(jamm ? [`-javaagent:${jamm}`] : []),
    `-Dcassandra.config=file://${join(home, 'cassandra.yaml')}`,
    `-Dlogback.configurationFile=${join(home, 'logback.xml')}`,
    `-Dcassandra.logdir=${home}`,
    `-Dcassandra.storagedir=${join(home, 'data')}`,
    '-Dcassandra-foreground=yes',
    '-Dcassandra.available_processors=2',
    '-Dcassandra.skip_wait_for_gossip_to_settle=0',
    '-Dcassandra.ring_delay_ms=0',
    '-Dcassandra.superuser_setup_delay_ms=0',
    '-cp',
    classpath.join(':'),
    'org.apache.cassandra.service.CassandraDaemon',
  ];
}
