/**
 * @module
 * Helpers of the server tests: an engine over the fixture job tree, the app
 * in-process, the real server over a loopback socket (in-process or as a
 * child process), and a small SSE reader.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { createEngine, type EngineHandle, type EngineOptions } from "../../mod.ts"
import { scopes } from "../../engine/mod.ts"
import { type AppOptions, createApp } from "../../server/mod.ts"
import { type RunningServer, startServer } from "../../server/serve.ts"
import { untracked } from "../helpers/untracked.ts"

/** The tap test object, as far as these helpers use it. */
export interface T {
  testdir: () => string
  teardown: (fn: () => unknown) => void
}

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url))
export const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url))
export const jobsRoot = `${fixtures}jobs`

/** Every scope: the token `all` holds them; `no-<scope>` holds all but one. */
export const allScopes = scopes

export const testTokens = ["all:*", ...allScopes.map((s) => `no-${s.replace(":", "-")}:${allScopes.filter((x) => x !== s).join(",")}`)].join(";")

export const auth = (token = "all") => ({ authorization: `Bearer ${token}` })
export const jsonHeaders = (token = "all") => ({ ...auth(token), "content-type": "application/json" })

/** An engine over the fixtures, its data in a fresh test directory. */
export async function engineFor(t: T, options: EngineOptions = {}): Promise<EngineHandle> {
  const opened: { engine?: EngineHandle } = {}
  // Registered before `t.testdir()`: tap removes a test's directory only after the teardowns
  // registered before it ran, so a run still in flight has stopped writing there by then
  // (removing it first failed with ENOTEMPTY and left the engine open, and the file hung).
  t.teardown(() => opened.engine?.dispose())
  opened.engine = await createEngine({
    root: jobsRoot,
    dataDir: t.testdir(),
    allowedLocalRoots: [fixtures],
    env: {},
    ...options
  })
  return opened.engine
}

/** The app in-process (for `app.request`), disposed after the test. */
export async function appFor(t: T, options: AppOptions = {}, engineOptions: EngineOptions = {}) {
  const engine = await engineFor(t, engineOptions)
  const stop = new AbortController()
  // Before createApp, which may refuse its options: an engine left open keeps following its store.
  t.teardown(async () => {
    stop.abort()
    await engine.dispose()
  })
  const app = createApp(engine, { env: {}, tokens: testTokens, loopback: true, signal: stop.signal, log: () => undefined, ...options })
  return { engine, app }
}

/** The real server on a loopback socket, in this process; shut down after the test. */
export async function serverFor(
  t: T,
  options: AppOptions = {},
  engineOptions: EngineOptions = {}
): Promise<{ engine: EngineHandle; server: RunningServer; url: string }> {
  const engine = await engineFor(t, engineOptions)
  const server = await startServer(engine, {
    address: { hostname: "127.0.0.1", port: 0 },
    graceMs: 0,
    app: { env: {}, tokens: testTokens, log: () => undefined, ...options },
    log: () => undefined
  })
  t.teardown(() => server.shutdown({ force: true }))
  return { engine, server, url: server.url }
}

/** A flwd server in a child process, once it prints its URL. */
export interface SpawnedServer {
  readonly child: ChildProcess
  readonly url: string
  readonly stderr: () => string
  readonly exited: Promise<number | null>
}

/**
 * Runs `node ARGV` (a server entry and its flags) in `cwd` and resolves once
 * it prints `flwd listening on URL`; rejects if it exits first.
 */
export function spawnListening(argv: ReadonlyArray<string>, env: Record<string, string>, cwd = repoRoot): Promise<SpawnedServer> {
  const childEnv = { ...process.env, NODE_NO_WARNINGS: "1", ...env }
  const child = spawn(...untracked([process.execPath, ...argv], childEnv), { cwd, env: childEnv, stdio: ["ignore", "pipe", "pipe"] })
  let out = ""
  let err = ""
  child.stderr!.on("data", (d) => (err += d))
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      out += d
      const m = /flwd listening on (http:\/\/\S+)/.exec(out)
      if (m !== null) resolve({ child, url: m[1], stderr: () => err, exited })
    })
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening: ${err}`)))
  })
}

/** `flwd`'s server as a child process (`node server/main.ts …`), once it prints its URL. */
export function spawnServer(args: ReadonlyArray<string>, env: Record<string, string> = {}): Promise<SpawnedServer> {
  return spawnListening(["server/main.ts", "--bind", "127.0.0.1:0", ...args], { FLWD_TOKENS: "", ...env })
}

/** One parsed SSE frame. */
export interface Frame {
  readonly id?: string
  readonly event?: string
  readonly data?: string
  readonly comment?: string
}

/**
 * Reads SSE frames from a response, calling `onFrame` for each; resolves
 * when the stream ends or `onFrame` returns true (then the reader is
 * canceled, which closes the connection).
 */
export async function readSse(response: Response, onFrame: (frame: Frame) => boolean | void): Promise<"ended" | "stopped"> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ""
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return "ended"
    buffer += value
    let cut: number
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut)
      buffer = buffer.slice(cut + 2)
      const frame: Record<string, string> = {}
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) frame.comment = line.slice(1).trim()
        else {
          const i = line.indexOf(":")
          const key = i < 0 ? line : line.slice(0, i)
          frame[key] = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "")
        }
      }
      if (onFrame(frame) === true) {
        await reader.cancel()
        return "stopped"
      }
    }
  }
}

/** The events of an SSE response until it ends (comments dropped). */
export async function sseEvents(response: Response): Promise<Array<{ id: number; type: string; run_id: string | null; data: Record<string, unknown> }>> {
  const events: Array<{ id: number; type: string; run_id: string | null; data: Record<string, unknown> }> = []
  await readSse(response, (f) => {
    if (f.data !== undefined && f.event !== undefined) events.push(JSON.parse(f.data))
  })
  return events
}

export const terminalTypes = ["run.finished", "run.failed", "run.canceled"]
