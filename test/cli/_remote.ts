/**
 * @module
 * Remote-mode tests' setup: the real server (`flwd :serve --dev`, a child
 * process) over a sandbox's job tree and data directory, `flwd` pointed
 * at it with `--remote`, and the same command without it on the same tree
 * and data directory, to compare the two. Both run in-process (`runCli`);
 * `start` runs the real binary for what needs a process (signals).
 */
import { type ChildProcess, spawn } from "node:child_process"
import { cpSync } from "node:fs"
import { createServer } from "node:net"
import { join } from "node:path"
import type { Test } from "tap"
import { binJs, collect, inProcess, type Result, type Sandbox, sandbox, waitForOutput } from "./_flwd.ts"
import { untracked } from "../helpers/untracked.ts"

/** An environment without the caller's flwd settings or colors. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const key of Object.keys(env)) if (key.startsWith("FLWD_") || key === "NO_COLOR" || key === "FORCE_COLOR") delete env[key]
  return { ...env, ...extra }
}

export interface Remote {
  readonly box: Sandbox
  /** The server's base URL. */
  readonly url: string
  /** Starts the real `flwd <args>` in the sandbox (no `--remote` added), for signals. */
  readonly start: (args: ReadonlyArray<string>, env?: Record<string, string>) => ChildProcess
  /** Runs `flwd <args>` in-process in the sandbox (no `--remote` added). */
  readonly run: (args: ReadonlyArray<string>, env?: Record<string, string>) => Promise<Result>
  /** `flwd --remote URL --token dev-token <args>` */
  readonly remote: (...args: Array<string>) => Promise<Result>
  /** The same command in-process, on the server's job tree and data directory. */
  readonly local: (...args: Array<string>) => Promise<Result>
  /** Runs `args` both ways and checks status, stdout and stderr are equal; resolves to the remote result. */
  readonly same: (t: Test, args: Array<string>, normalize?: (s: string) => string) => Promise<Result>
}

/** A sandbox (plus `team/hello-world` for a local source) served by `flwd :serve --dev`, stopped after `t`. */
export async function remoteSandbox(t: Test): Promise<Remote> {
  // A file starts the binary a few dozen times, each a second or more on a
  // busy two-core machine: more than tap's default allowance per file.
  t.setTimeout(300_000)
  const box = sandbox(t)
  cpSync(join(box.root, "hello-world"), join(box.cwd, "team", "hello-world"), { recursive: true })
  // The server's working directory is the sandbox: local sources may point into it.
  const serverEnv = cleanEnv()
  const server = spawn(
    ...untracked([process.execPath, binJs, ":serve", "--dev", "--bind", "127.0.0.1:0", "--root", box.root, "--data-dir", box.dataDir], serverEnv),
    {
      cwd: box.cwd,
      env: serverEnv,
      stdio: ["ignore", "pipe", "pipe"]
    }
  )
  const exited = collect(server)
  t.teardown(async () => {
    server.kill("SIGTERM")
    await exited
  })
  const out = await waitForOutput(server, /flwd listening on http:\/\/\S+\n/)
  const url = /flwd listening on (http:\/\/\S+)/.exec(out)![1]

  const start = (args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
    const childEnv = cleanEnv(env)
    return spawn(...untracked([process.execPath, binJs, ...args], childEnv), { cwd: box.cwd, env: childEnv, stdio: ["pipe", "pipe", "pipe"] })
  }
  // In-process, as `local` is: the client talks to the server over HTTP
  // either way, and a process start each call would cost more than both.
  const run = (args: ReadonlyArray<string>, env: Record<string, string> = {}) => inProcess(args, box.cwd, cleanEnv(env))
  const remote = (...args: Array<string>) => run(["--remote", url, "--token", "dev-token", ...args])
  const local = (...args: Array<string>) => box.flwd(args)
  const same = async (t: Test, args: Array<string>, normalize: (s: string) => string = (s) => s) => {
    const r = await remote(...args)
    const l = await local(...args)
    const what = args.join(" ")
    t.equal(r.code, l.code, `${what}: exit status (${r.stderr})`)
    t.equal(normalize(r.stdout), normalize(l.stdout), `${what}: stdout`)
    // The local CLI runs on the server's own data directory on purpose, so once
    // its engine starts it warns that a server serves it: the one expected difference.
    t.equal(normalize(r.stderr), normalize(withoutLiveServerWarning(l.stderr)), `${what}: stderr`)
    return r
  }
  return { box, url, start, run, remote, local, same }
}

/** A loopback port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** ISO timestamps replaced, for records an engine rewrites when it reloads them. */
export function withoutTimestamps(s: string): string {
  return s.replace(/\d{4}-\d\d-\d\d[T ][\d:.]+Z?/g, "<time>")
}

/** stderr without the CLI's warning that a live server serves its data directory (one line, wrapped or not). */
function withoutLiveServerWarning(stderr: string): string {
  return stderr.replace(/^flwd: warning: a server \(pid \d+\) serves [\s\S]*?--remote \S+\n/m, "")
}
