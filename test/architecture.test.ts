/**
 * Import direction (STYLE §1, §7, §11): core/ sees only effect and
 * @effect/platform; plugins reach core through core/mod.ts and each other
 * only through a folder's mod.ts; entrypoints never reach into plugin
 * internals either.
 */
import t from "tap"
import { readdirSync, readFileSync, statSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"

const repo = resolve(import.meta.dirname, "..")

function files(dir: string): Array<string> {
  const out: Array<string> = []
  for (const name of readdirSync(join(repo, dir))) {
    const path = join(dir, name)
    if (statSync(join(repo, path)).isDirectory()) out.push(...files(path))
    else if (name.endsWith(".ts")) out.push(path)
  }
  return out
}

function imports(file: string): Array<string> {
  const text = readFileSync(join(repo, file), "utf8")
  return [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+["']([^"']+)["']/gm)].map((m) => m[1])
}

const target = (file: string, spec: string) => relative(repo, resolve(repo, dirname(file), spec))

t.test("core/ imports only effect, @effect/platform and itself", async (t) => {
  for (const file of files("core")) {
    for (const spec of imports(file)) {
      if (spec.startsWith(".")) {
        t.ok(target(file, spec).startsWith("core/"), `${file} imports ${spec} from inside core/`)
      } else {
        t.ok(spec === "effect" || spec.startsWith("effect/") || spec.startsWith("@effect/platform"), `${file} may not import ${spec}`)
      }
    }
  }
})

t.test("plugins use core through core/mod.ts and other folders through their mod.ts", async (t) => {
  for (const file of files("plugins")) {
    const parts = file.split("/")
    // plugins/<kind>/<name>/ for sources, executors and stores; plugins/<name>/ otherwise.
    const own = parts.slice(0, ["sources", "executors", "stores"].includes(parts[1]) ? 3 : 2).join("/") + "/"
    for (const spec of imports(file).filter((s) => s.startsWith("."))) {
      const to = target(file, spec)
      if (to.startsWith("core/")) t.equal(to, "core/mod.ts", `${file} imports core through core/mod.ts (${spec})`)
      else if (to.startsWith("plugins/") && !to.startsWith(own)) {
        t.match(to, /(^|\/)mod\.ts$/, `${file} imports another plugin folder only through its mod.ts (${spec})`)
      } else t.notOk(to === "mod.ts" || to.startsWith("cli/") || to.startsWith("server/"), `${file} does not import ${to}`)
    }
  }
})

t.test("cli/ and server/ reach plugins and core only through a mod.ts", async (t) => {
  for (const file of [...files("cli"), ...files("server")]) {
    for (const spec of imports(file).filter((s) => s.startsWith("."))) {
      const to = target(file, spec)
      if (to.startsWith("core/") || to.startsWith("plugins/")) t.match(to, /mod\.ts$/, `${file} imports ${to} through a mod.ts`)
    }
  }
})
