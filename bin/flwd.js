#!/usr/bin/env node
/**
 * @module
 * The `flwd` command as npm installs it. Plain JavaScript that any Node
 * parses, so an older Node gets one line naming the version flwd needs
 * instead of a stack trace about `.ts` files. In a checkout (or through
 * `npm link`) it runs the TypeScript sources, which Node 24 strips itself;
 * the published package carries no sources, only the JavaScript built into
 * `dist/` when packing, because Node refuses to strip types under
 * `node_modules`, and runs the CLI's bundle (`dist/bundle/`, see
 * `bin/build.ts`).
 */
import { existsSync } from "node:fs"
import module from "node:module"
import process from "node:process"

const major = Number(process.versions.node.split(".")[0])
if (!(major >= 24)) {
  process.stderr.write(`flwd needs Node.js 24 or newer (this is ${process.version})\n`)
  process.exit(1)
}

// Caches compiled bytecode between invocations: most of a cold start is
// compiling `effect`.
module.enableCompileCache?.()

const source = new URL("../cli/main.ts", import.meta.url)
await import(existsSync(source) ? source.href : new URL("../dist/bundle/main.js", import.meta.url).href)
