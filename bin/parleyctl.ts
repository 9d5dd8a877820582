/**
 * `parleyctl`: the operator CLI (see `cluster/admin/cli.ts` for commands,
 * output and exit codes). `npx parleyctl` runs it through `bin/parleyctl.mjs`.
 */
import { runCli } from '../cluster/admin/index.ts';

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
