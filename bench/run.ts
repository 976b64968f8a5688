/**
 * @module
 * `npm run bench`: runs every benchmark script under bench/ in turn, each in
 * its own process so one's memory and warm caches do not skew another's.
 * `npm run bench -- engine` runs only the named ones.
 */
import { spawnSync } from "node:child_process"
import { readdirSync } from "node:fs"
import { join } from "node:path"

const dir = import.meta.dirname
const wanted = process.argv.slice(2)
const scripts = readdirSync(dir)
  .filter((f) => f.endsWith(".ts") && !f.startsWith("_") && f !== "run.ts")
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.ts$/, "")))
  .sort()
let failed = 0
for (const script of scripts) {
  console.log(`\n## ${script}`)
  const result = spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", join(dir, script)], { stdio: "inherit" })
  if (result.status !== 0) failed++
}
process.exitCode = failed > 0 ? 1 : 0
