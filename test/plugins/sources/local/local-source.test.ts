import t from "tap"
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, relative, resolve } from "node:path"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { PluginEnv, type SourceContext, SourceError } from "../../../../core/mod.ts"
import { secureProfile } from "../../../../plugins/profiles/mod.ts"
import { layerPlatform } from "../../../../engine/platform.ts"
import { loadRootTree, localSource, type LocalSourceSpec } from "../../../../plugins/sources/local/mod.ts"

type Teardown = { teardown: (fn: () => void) => void }

function tempDir(t: Teardown): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "flwd-local-")))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A directory holding one job, `hello`. */
function jobTree(dir: string): string {
  mkdirSync(join(dir, "hello"), { recursive: true })
  writeFileSync(join(dir, "hello/config.yaml"), "command: echo hello\n")
  return dir
}

const context = (allowedLocalRoots: ReadonlyArray<string>): SourceContext => ({
  name: "mine",
  dataDir: tmpdir(),
  profile: secureProfile,
  policy: {},
  allowedLocalRoots,
  progress: () => Effect.void,
  decide: () => Effect.void
})

const decodeSpec = (input: unknown) => {
  const result = Schema.decodeUnknownEither(localSource.spec, { errors: "all" })(input)
  return Either.isRight(result)
    ? { spec: result.right }
    : { errors: ParseResult.ArrayFormatter.formatErrorSync(result.left).map((i) => ({ path: i.path.join("."), message: i.message })) }
}

const load = (spec: Record<string, unknown>, roots: ReadonlyArray<string>) =>
  Effect.runPromise(
    Effect.scoped(Effect.either(Effect.flatMap(
      localSource.make,
      (impl) => impl.load(spec as LocalSourceSpec, null, context(roots))
    ))).pipe(Effect.provide(layerPlatform), Effect.provideService(PluginEnv, { dataDir: tmpdir(), policy: {}, killGraceMs: 1000 }))
  )

t.test("localSource decodes its spec and rejects unknown fields", async (t) => {
  t.equal(localSource.type, "local")
  t.same(localSource.aliases, ["fs"])
  t.same(decodeSpec({ type: "local", name: "mine", path: "jobs" }), { spec: { type: "local", name: "mine", path: "jobs" } })
  t.same(decodeSpec({ type: "fs", name: "mine", ref: "jobs" }), { spec: { type: "fs", name: "mine", ref: "jobs" } })
  t.match(decodeSpec({ type: "local", name: "mine", path: "jobs", branch: "main" }).errors, [{ path: "branch", message: /is unexpected/ }])
  t.match(decodeSpec({ type: "local", name: "mine" }).errors, [{ path: "path", message: "is required (the directory of the job tree)" }])
  t.match(decodeSpec({ type: "local", name: "mine", path: "a", ref: "b" }).errors, [{ path: "ref", message: "give either path or ref, not both" }])
  t.match(decodeSpec({ type: "local", name: "Bad Name", path: "" }).errors, [{ path: "name" }, { path: "path" }])
})

t.test("localSource.load() discovers a tree inside an allowed root", async (t) => {
  const allowed = tempDir(t)
  const root = jobTree(join(allowed, "team"))
  const result = await load({ type: "local", name: "mine", path: root }, [allowed])
  t.ok(Either.isRight(result))
  if (Either.isRight(result)) {
    t.equal(result.right.root, root)
    t.same(result.right.jobs.map((j) => j.id), ["hello"])
    t.same(result.right.diagnostics, [])
    t.same(result.right.provenance, { type: "local", path: root })
  }
})

t.test("localSource.load() resolves a relative path against the working directory", async (t) => {
  const allowed = tempDir(t)
  jobTree(join(allowed, "team"))
  const result = await load({ type: "fs", name: "mine", ref: relative(process.cwd(), join(allowed, "team")) }, [allowed])
  t.same(Either.isRight(result) && result.right.jobs.map((j) => j.id), ["hello"])
})

t.test("localSource.load() refuses paths outside the allowed roots", async (t) => {
  const allowed = tempDir(t)
  const outside = jobTree(tempDir(t))
  symlinkSync(outside, join(allowed, "link"))
  for (const path of [outside, join(allowed, "link"), join(allowed, "..")]) {
    const result = await load({ type: "local", name: "mine", path }, [allowed])
    const error = Either.isLeft(result) ? result.left : undefined
    t.ok(error instanceof SourceError, path)
    t.equal(error?.code, "source.not.allowed")
    t.equal(error?.detail, `${path} is not inside an allowed local root (allowed: ${allowed})`)
    t.same(error?.errors, [{ path: "path", message: "is not inside an allowed local root" }])
  }
  const none = await load({ type: "local", name: "mine", path: outside }, [])
  t.match(Either.isLeft(none) && none.left.detail, /\(allowed: none\)$/)
  const missingOutside = await load({ type: "local", name: "mine", path: join(outside, "nope") }, [allowed])
  t.equal(Either.isLeft(missingOutside) && missingOutside.left.code, "source.not.allowed", "outside paths are refused before they are looked at")
})

t.test("localSource.load() requires an existing directory", async (t) => {
  const allowed = tempDir(t)
  writeFileSync(join(allowed, "file"), "")
  const missing = await load({ type: "local", name: "mine", ref: join(allowed, "nope") }, [allowed])
  t.match(Either.isLeft(missing) && missing.left, { code: "source.invalid", errors: [{ path: "ref", message: "does not exist" }] })
  const file = await load({ type: "local", name: "mine", path: join(allowed, "file") }, [allowed])
  t.match(Either.isLeft(file) && file.left, { code: "source.invalid", errors: [{ path: "path", message: "is not a directory" }] })
})

t.test("loadRootTree() loads the example tree", async (t) => {
  const examples = resolve(import.meta.dirname, "../../../../examples/jobs")
  const loaded = await Effect.runPromise(loadRootTree(examples))
  t.same(loaded.jobs.map((j) => j.id), ["always-fails", "build-and-test", "hello-world", "legacy/greet"])
  t.same(loaded.diagnostics, [])
  t.same(loaded.provenance, { type: "local", path: realpathSync(examples) })
})

t.test("loadRootTree() yields no jobs and a warning when the root does not exist", async (t) => {
  const missing = join(tempDir(t), "jobs")
  const loaded = await Effect.runPromise(loadRootTree(missing))
  t.same(loaded, {
    root: missing,
    jobs: [],
    diagnostics: [{ level: "warning", code: "discovery.root.missing", path: ".", message: `the root job tree ${missing} does not exist; no jobs loaded` }],
    provenance: { type: "local", path: missing }
  })
})
