/**
 * @module
 * The `flwd` process: `runCli` over the process's streams and environment,
 * then exit with its status once both streams are flushed. `bin/flwd.js`
 * imports this after turning on Node's compile cache, so nothing here runs
 * before it.
 */
import process from "node:process"
import { runCli } from "./run-cli.ts"

function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write("", () => resolve()))
}

// A closed pipe (`flwd :jobs | head -1`) ends the command quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0)
  })
}

const status = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env })
await Promise.all([flush(process.stdout), flush(process.stderr)])
process.exit(status)
