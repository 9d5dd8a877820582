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
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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
  return withLock(join(cacheDir, '.fetch.lock'), async () => {
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

/** A cross-process lock: a directory holding the owner's pid; a dead owner's lock is taken over. */
async function withLock<T>(lockDir: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + FETCH_TIMEOUT_MS;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let owner = Number.NaN;
      try {
        owner = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
      } catch {}
      if (Number.isInteger(owner) && !alive(owner))
        rmSync(lockDir, { recursive: true, force: true });
      else if (Date.now() > deadline)
        throw new Error(`timed out waiting for the fetch lock ${lockDir}`);
      else await delay(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

/** Whether a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
