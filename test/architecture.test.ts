/**
 * The shape of the product code (STYLE §1, §7, §11; DESIGN §10), read from
 * the import statements of every `.ts` file under the root, `core/`,
 * `engine/`, `plugins/`, `cli/`, `client/` and `server/` — static imports,
 * re-exports, `import type` and `import()` alike:
 *
 * - no import cycle anywhere;
 * - folders depend in one direction: core ← plugins ← engine ← client ←
 *   server ← cli (a folder may import those to its left);
 * - core/ sees only effect and @effect/platform; plugins reach core through
 *   core/mod.ts and each other only through a folder's mod.ts; the
 *   entrypoints never reach into plugin internals either;
 * - each folder imports only the npm packages listed for it here, each a
 *   dependency of the package (a devDependency is not installed with it);
 * - `ManagedRuntime` only in the entrypoints' folders, cli/ and server/:
 *   everything else composes Layers (DESIGN §10).
 */
import t from "tap"
import { readdirSync, readFileSync, statSync } from "node:fs"
import { builtinModules } from "node:module"
import { dirname, join, relative, resolve } from "node:path"

const repo = resolve(import.meta.dirname, "..")
const folders = ["core", "plugins", "engine", "client", "server", "cli"] as const

function files(dir: string): Array<string> {
  const out: Array<string> = []
  for (const name of readdirSync(join(repo, dir))) {
    const path = dir === "" ? name : join(dir, name)
    const isDir = statSync(join(repo, path)).isDirectory()
    if (isDir && dir !== "") out.push(...files(path))
    else if (!isDir && name.endsWith(".ts")) out.push(path)
  }
  return out
}

/** Every product file: the root's `.ts` files and those of the folders. */
const product = [...files(""), ...folders.flatMap((f) => files(f))]

interface Import {
  readonly spec: string
  /** A relative import resolved to a repository path; undefined for packages. */
  readonly to: string | undefined
}

// Comments hold examples (`import { x } from "flwd"`) that import nothing.
const code = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "")

function importsOf(file: string): ReadonlyArray<Import> {
  const text = code(readFileSync(join(repo, file), "utf8"))
  const specs = [...text.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/gm)]
    .map((m) => m[1] ?? m[2])
  return specs.map((spec) => ({ spec, to: spec.startsWith(".") ? relative(repo, resolve(repo, dirname(file), spec)) : undefined }))
}

const imports = new Map(product.map((f) => [f, importsOf(f)]))
const folderOf = (path: string) => (path.includes("/") ? path.split("/")[0] : "(root)")
const packageOf = (spec: string) => (spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0])

/** The import cycles of a graph, each as a path that returns to its start (Tarjan's strongly connected components). */
function cycles(graph: ReadonlyMap<string, ReadonlyArray<string>>): Array<Array<string>> {
  let next = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: Array<string> = []
  const onStack = new Set<string>()
  const found: Array<Array<string>> = []
  const visit = (v: string) => {
    index.set(v, next)
    low.set(v, next++)
    stack.push(v)
    onStack.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!))
    }
    if (low.get(v) !== index.get(v)) return
    const component: Array<string> = []
    let w: string
    do {
      w = stack.pop()!
      onStack.delete(w)
      component.push(w)
    } while (w !== v)
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(pathThrough(graph, new Set(component), v))
  }
  for (const v of graph.keys()) if (!index.has(v)) visit(v)
  return found
}

/** One cycle inside a strongly connected component, from `start` back to it (breadth first: the shortest). */
function pathThrough(graph: ReadonlyMap<string, ReadonlyArray<string>>, component: ReadonlySet<string>, start: string): Array<string> {
  const from = new Map<string, string>()
  const queue = [start]
  while (queue.length > 0) {
    const v = queue.shift()!
    for (const w of graph.get(v) ?? []) {
      if (!component.has(w)) continue
      if (w === start) {
        const path = [v]
        while (path[0] !== start) path.unshift(from.get(path[0])!)
        return [...path, start]
      }
      if (!from.has(w)) {
        from.set(w, v)
        queue.push(w)
      }
    }
  }
  return [start, start]
}

t.test("cycles() finds a cycle through a dynamic import and names its path", async (t) => {
  const graph = new Map([["a.ts", ["b.ts"]], ["b.ts", ["c.ts"]], ["c.ts", ["a.ts"]], ["d.ts", ["a.ts"]]])
  t.same(cycles(graph), [["a.ts", "b.ts", "c.ts", "a.ts"]])
  t.same(cycles(new Map([["a.ts", ["b.ts"]], ["b.ts", []]])), [])
  t.same(importsOf("cli/dispatch.ts").filter((i) => i.to === "cli/commands/jobs.ts").length, 1, "import() counts as an import")
})

t.test("no import cycle in product code (static, type-only and dynamic imports)", async (t) => {
  const graph = new Map(product.map((f) => [f, (imports.get(f) ?? []).flatMap((i) => (i.to !== undefined && imports.has(i.to) ? [i.to] : []))]))
  const found = cycles(graph)
  t.same(found.map((c) => c.join(" → ")), [], "import cycles")
})

// Who may import whom: each folder those before it in this order, and itself.
const order: ReadonlyArray<string> = ["core", "plugins", "engine", "client", "server", "cli"]

t.test("folders import in one direction: core ← plugins ← engine ← client ← server ← cli", async (t) => {
  for (const [file, list] of imports) {
    const from = folderOf(file)
    for (const { spec, to } of list) {
      if (to === undefined) continue
      t.ok(imports.has(to) || !to.endsWith(".ts") || from === "(root)", `${file} imports ${spec}, a product file`)
      const into = folderOf(to)
      if (from === "(root)" || into === from) continue
      // The root mod.ts re-exports the public API of every folder but the CLI.
      t.ok(into !== "(root)" && order.indexOf(into) < order.indexOf(from), `${file} (${from}/) may not import ${to}`)
    }
  }
})

t.test("core/ imports only effect, @effect/platform and itself", async (t) => {
  for (const file of product.filter((f) => folderOf(f) === "core")) {
    for (const { spec, to } of imports.get(file) ?? []) {
      if (to !== undefined) t.ok(to.startsWith("core/"), `${file} imports ${spec} from inside core/`)
      else t.ok(spec.startsWith("effect/") || spec.startsWith("@effect/platform/"), `${file} may not import ${spec}`)
    }
  }
})

t.test("plugins use core through core/mod.ts and other folders through their mod.ts", async (t) => {
  for (const file of product.filter((f) => folderOf(f) === "plugins")) {
    const parts = file.split("/")
    // plugins/<kind>/<name>/ for sources, executors and stores; plugins/<name>/ otherwise.
    const own = parts.slice(0, ["sources", "executors", "stores"].includes(parts[1]) ? 3 : 2).join("/") + "/"
    for (const { spec, to } of imports.get(file) ?? []) {
      if (to === undefined) continue
      if (to.startsWith("core/")) t.equal(to, "core/mod.ts", `${file} imports core through core/mod.ts (${spec})`)
      else if (!to.startsWith(own)) t.match(to, /(^|\/)mod\.ts$/, `${file} imports another plugin folder only through its mod.ts (${spec})`)
    }
  }
})

t.test("engine/, client/, server/ and cli/ reach plugins and core only through a mod.ts", async (t) => {
  for (const file of product.filter((f) => ["engine", "client", "server", "cli"].includes(folderOf(f)))) {
    for (const { to } of imports.get(file) ?? []) {
      if (to === undefined || !(to.startsWith("core/") || to.startsWith("plugins/"))) continue
      // A plugin's light definition (plugin.ts) is its other entry: the built-in set registers it without loading the plugin.
      const definition = ["engine/builtin-plugins.ts", "engine/builtin-sources.ts"].includes(file) &&
        /^plugins\/(sources|executors|stores)\/[^/]+\/plugin\.ts$/.test(to)
      t.ok(definition || /(^|\/)mod\.ts$/.test(to), `${file} imports ${to} through a mod.ts`)
    }
  }
})

t.test("cli/, client/ and server/ name no source kind: they ask the source plugins through the contract", async (t) => {
  for (const file of product.filter((f) => ["client", "server", "cli"].includes(folderOf(f)))) {
    for (const { spec, to } of imports.get(file) ?? []) {
      if (to !== undefined) t.notOk(to.startsWith("plugins/sources/"), `${file} imports no source plugin (${spec})`)
    }
  }
})

// The npm packages each folder may import (node: built-ins are listed as "node:").
const allowed: Readonly<Record<string, ReadonlyArray<string>>> = {
  "(root)": [],
  core: ["effect", "@effect/platform"],
  plugins: [
    "node:",
    "effect",
    "@effect/platform",
    "@effect/platform-node",
    "yaml",
    "semver",
    "undici",
    "tar-stream",
    "sigstore",
    "@sigstore/bundle",
    "@sigstore/protobuf-specs",
    "@sigstore/tuf",
    "@sigstore/verify",
    "@effect/opentelemetry",
    "@opentelemetry/exporter-trace-otlp-http",
    "@opentelemetry/resources",
    "@opentelemetry/sdk-trace-base",
    "@opentelemetry/sdk-trace-node",
    "@opentelemetry/semantic-conventions",
    // The PostgreSQL store's driver, import()ed only when a store URL names PostgreSQL.
    "postgres"
  ],
  // The platform layer plugins build with is chosen here, never in core/.
  engine: ["node:", "effect", "@effect/platform", "@effect/platform-node", "yaml"],
  client: ["effect", "@effect/platform"],
  server: ["node:", "effect", "hono", "@hono/node-server", "prom-client", "@opentelemetry/api"],
  cli: ["node:", "effect", "yaml"]
}

t.test("each folder imports only its npm packages, all of them dependencies", async (t) => {
  const manifest = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { dependencies: Record<string, string> }
  const builtins = new Set(builtinModules)
  for (const [file, list] of imports) {
    const folder = folderOf(file)
    for (const { spec, to } of list) {
      if (to !== undefined) continue
      if (spec.startsWith("node:")) {
        t.ok(allowed[folder].includes("node:"), `${file} (${folder}/) may not import ${spec}`)
        continue
      }
      t.notOk(builtins.has(packageOf(spec)), `${file} imports the built-in ${spec} as node:${spec}`)
      const pkg = packageOf(spec)
      t.ok(allowed[folder].includes(pkg), `${file} (${folder}/) may not import ${pkg}`)
      t.ok(Object.hasOwn(manifest.dependencies, pkg), `${pkg} (imported by ${file}) is a dependency, not only a devDependency`)
    }
  }
})

t.test("ManagedRuntime is used only in cli/ and server/", async (t) => {
  for (const file of product.filter((f) => !["cli", "server"].includes(folderOf(f)))) {
    const uses = (imports.get(file) ?? []).some((i) => i.spec === "effect/ManagedRuntime") ||
      /\bManagedRuntime\./.test(code(readFileSync(join(repo, file), "utf8")))
    t.notOk(uses, `${file} does not use ManagedRuntime`)
  }
})

// Casts of caught values (DESIGN §10, one error model): a `catch (e)` block, a `catch: (e) =>` handler
// (Effect.try, Effect.tryPromise) or a Promise's `.catch((e) =>` reads what it caught through core's
// `codeOf`/`messageOf` or a type guard, never `e as X`. Each site's body is scanned to its end.
const caughtSite = /\bcatch\s*\(\s*(\w+)\s*(?::\s*unknown\s*)?\)\s*\{|\bcatch:\s*\(?\s*(\w+)\s*(?::\s*unknown\s*)?\)?\s*=>|\.catch\(\s*\(?\s*(\w+)\s*\)?\s*=>/g

/** The body after `start`: up to the bracket that closes its enclosing one (or a `,` at depth 0 for an arrow). */
function bodyFrom(text: string, start: number, block: boolean): string {
  let depth = block ? 1 : 0
  for (let i = start; i < text.length; i++) {
    const c = text[i]
    if (c === "{" || c === "(" || c === "[") depth++
    else if (c === "}" || c === ")" || c === "]") {
      depth--
      if (depth < 0 || (block && depth === 0)) return text.slice(start, i)
    } else if (!block && depth === 0 && (c === "," || c === "\n")) return text.slice(start, i)
  }
  return text.slice(start)
}

/** Each cast of a caught value in `text`, as the caught name and the cast. */
function castsOfCaught(text: string): Array<string> {
  const found: Array<string> = []
  for (const m of code(text).matchAll(caughtSite)) {
    const name = m[1] ?? m[2] ?? m[3]
    const body = bodyFrom(m.input, m.index + m[0].length, m[1] !== undefined)
    const cast = new RegExp(`\\b${name}\\s+as\\s+(?!const\\b)[\\w.{[]+`).exec(body)
    if (cast !== null) found.push(cast[0])
  }
  return found
}

// Files another change is bringing to the rule; each leaves this list when it reads caught values without casts.
const castsPending: ReadonlyArray<string> = []

t.test("castsOfCaught() finds a cast in a catch block, an Effect catch handler and a Promise's catch", async (t) => {
  t.same(castsOfCaught("try { f() } catch (e) {\n  if ((e as NodeJS.ErrnoException).code === 'ENOENT') return\n}"), ["e as NodeJS.ErrnoException"])
  t.same(castsOfCaught("Effect.try({ try: () => f(), catch: (e) => e as Error })"), ["e as Error"])
  t.same(castsOfCaught("Effect.tryPromise({ try: f, catch: (err) => new X({ detail: (err as Error).message }) })"), ["err as Error"])
  t.same(castsOfCaught("p.catch((e) => { throw e as Error })"), ["e as Error"])
  t.same(castsOfCaught("try { f() } catch (e) { return messageOf(e) }\nconst x = y as Error"), [], "a cast outside the handler is not a caught value's")
  t.same(castsOfCaught("catch: (e) => new X({ detail: messageOf(e), code: codeOf(e) as const })"), [], "reading through the classifier is the way")
})

t.test("no cast of a caught value in product code: edges classify with codeOf/messageOf or a guard", async (t) => {
  const offenders = product.filter((f) => !castsPending.includes(f)).flatMap((f) => castsOfCaught(readFileSync(join(repo, f), "utf8")).map((c) => `${f}: ${c}`))
  t.same(offenders, [], "casts of caught values")
})
