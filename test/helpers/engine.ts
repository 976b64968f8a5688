/**
 * Test helpers: a real engine (SQLite store, process executor) over a temp
 * copy of the example jobs, torn down with the test.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import type { Test } from "tap"
import { createEngine, Effect, Engine, type EngineHandle, type EngineOptions } from "../../mod.ts"

export const repo = resolve(import.meta.dirname, "..", "..")
export const examples = join(repo, "examples", "jobs")

/** A temp directory removed when the test ends. */
export function tempDir(t: Test, prefix = "flwd-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A temp working area holding a copy of the example jobs under `jobs/`. */
export function exampleTree(t: Test): { readonly dir: string; readonly root: string; readonly dataDir: string } {
  const dir = tempDir(t)
  const root = join(dir, "jobs")
  cpSync(examples, root, { recursive: true })
  return { dir, root, dataDir: join(dir, "data") }
}

/** Starts an engine disposed when the test ends. */
export async function startEngine(t: Test, options: EngineOptions): Promise<EngineHandle> {
  const engine = await createEngine({ env: {}, ...options })
  t.teardown(() => engine.dispose())
  return engine
}

/** Calls one Engine method. */
export function call<A, E>(engine: EngineHandle, f: (e: Engine["Type"]) => Effect.Effect<A, E>): Promise<A> {
  return engine.run(Effect.flatMap(Engine, f))
}

/** Resolves to the rejection of a promise (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise
  } catch (e) {
    return e
  }
  throw new Error("expected a rejection")
}
