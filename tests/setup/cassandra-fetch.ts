/**
 * Fetching Apache Cassandra for the tests: `org.apache.cassandra:cassandra-all`
 * and its runtime dependencies, resolved by `mvn` from Maven Central into a
 * local repository under `.cache/cassandra/` (or `PARLEY_CASSANDRA_CACHE`).
 *
 * Invariants: the classpath file is written only after mvn succeeded and is
 * trusted only if every jar it names exists, so an interrupted fetch is
 * simply redone; concurrent test runs fetch once (a cross-process lock).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withLock } from './lock.ts';

export { alive } from './lock.ts';

/** The newest 5.0.x on Maven Central when this was written (checked 2026-11). */
export const CASSANDRA_VERSION = '5.0.9';
const FETCH_TIMEOUT_MS = 15 * 60_000;

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where jars are cached; `PARLEY_CASSANDRA_CACHE` moves it (e.g. to a CI cache folder). */
const cacheDir = process.env.PARLEY_CASSANDRA_CACHE ?? join(repoRoot, '.cache', 'cassandra');

/** Resolves the jars of cassandra-all (cached); returns the classpath entries. */
export async function fetchCassandra(): Promise<string[]> {
  const versionDir = join(cacheDir, CASSANDRA_VERSION);
  const classpathFile = join(versionDir, 'classpath.txt');
  const cached = await readClasspath(classpathFile);
  if (cached) return cached;
  await mkdir(versionDir, { recursive: true });
  return withLock(join(cacheDir, '.fetch.lock'), FETCH_TIMEOUT_MS, async () => {
    const again = await readClasspath(classpathFile);
    if (again) return again;
    const pom = join(versionDir, 'pom.xml');
    await writeFile(pom, pomXml());
    const partial = `${classpathFile}.partial`;
    const mvnArgs = [
      '-B',
      '-q',
      '-f',
      pom,
      `-Dmaven.repo.local=${join(cacheDir, 'm2')}`,
      'org.apache.maven.plugins:maven-dependency-plugin:3.6.1:build-classpath',
      '-Dmdep.includeScope=runtime',
      `-Dmdep.outputFile=${partial}`,
    ];
    await new Promise<void>((done, fail) => {
      execFile(
        'mvn',
        mvnArgs,
        { timeout: FETCH_TIMEOUT_MS, maxBuffer: 16 << 20 },
        (err, stdout, stderr) => {
          if (!err) return done();
          const out = `${stdout}\n${stderr}`.trim().split('\n').slice(-30).join('\n');
          fail(
            new Error(
              `could not fetch org.apache.cassandra:cassandra-all:${CASSANDRA_VERSION} with mvn (${err.message.split('\n')[0]}):\n${out}`,
              { cause: err },
            ),
          );
        },
      );
    });
    const jars = await readClasspath(partial);
    if (!jars) throw new Error(`mvn wrote no usable classpath to ${partial}`);
    await rename(partial, classpathFile);
    return jars;
  });
}

async function readClasspath(file: string): Promise<string[] | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  const jars = text.trim().split(':').filter(Boolean);
  if (jars.length === 0 || !jars.some((j) => j.includes('cassandra-all'))) return undefined;
  return jars.every((j) => existsSync(j)) ? jars : undefined;
}

function pomXml(): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>parley.tests</groupId>
  <artifactId>cassandra-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.cassandra</groupId>
      <artifactId>cassandra-all</artifactId>
      <version>${CASSANDRA_VERSION}</version>
    </dependency>
  </dependencies>
</project>
`;
}
