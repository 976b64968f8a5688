/**
 * @module
 * `npm run build` (and so `npm pack`, through `prepack`): the JavaScript and
 * `.d.ts` the published package carries, in `dist/`. Node strips types
 * only outside `node_modules`, so an installed flwd cannot run its `.ts`
 * sources; a checkout and Deno still do. Besides what `tsc` emits, `dist/`
 * gets the files the code reads beside itself at run time: the console's
 * assets, and a `package.json` holding the version (read as
 * `../package.json` from `cli/`, `server/` and `plugins/`, which in the
 * package sit one level down, in `dist/`), and the CLI's bundle.
 */
import { execFileSync } from "node:child_process"
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import process from "node:process"
import { bundleCli } from "./bundle-cli.ts"

const repo = join(import.meta.dirname, "..")
const dist = join(repo, "dist")

// Files of a removed module must not linger in the package.
rmSync(dist, { recursive: true, force: true })
// The compiler the project pins, run by this Node.
execFileSync(process.execPath, [join(repo, "node_modules/typescript/bin/tsc"), "-p", join(repo, "tsconfig.build.json")], { cwd: repo, stdio: "inherit" })
cpSync(join(repo, "server/ui/assets"), join(dist, "server/ui/assets"), { recursive: true })
const { version } = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { version: string }
// No name: this is not a second package, only the version and module type
// for the files under dist/.
writeFileSync(join(dist, "package.json"), `${JSON.stringify({ version, type: "module", private: true }, null, 2)}\n`)

// The CLI as the package runs it: one tree-shaken bundle (bin/bundle-cli.ts).
await bundleCli(join(dist, "bundle"))
