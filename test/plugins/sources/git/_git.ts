/**
 * @module
 * Real git for tests: repositories built with the git CLI, published as
 * bare repositories (`file://`) and through `git daemon` on loopback.
 */
import { execFileSync, spawn } from "node:child_process"
import { chmodSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs"
import { createServer as createHttpServer } from "node:http"
import { connect, createServer } from "node:net"
import { dirname, join, normalize, sep } from "node:path"
import { pathToFileURL } from "node:url"

const env = {
  ...process.env,
  GIT_AUTHOR_NAME: "flwd test",
  GIT_AUTHOR_EMAIL: "test@flwd.invalid",
  GIT_COMMITTER_NAME: "flwd test",
  GIT_COMMITTER_EMAIL: "test@flwd.invalid",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null"
}

export function gitIn(cwd: string, ...args: Array<string>): string {
  return execFileSync("git", args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim()
}

/** A file to write: text, `{ link }` for a symlink, `{ text, mode }` for an executable. */
export type Entry = string | { readonly link: string } | { readonly text: string; readonly mode: number }

/** A job directory: `config.yaml` plus an executable `run.sh` printing `output`. */
export function job(summary: string, output: string): Record<string, Entry> {
  return {
    "config.yaml": `summary: ${summary}\ncommand: ./run.sh\n`,
    "run.sh": { text: `#!/bin/sh\necho "${output}"\n`, mode: 0o755 }
  }
}

/** A working repository plus its bare copy, which tests point sources at. */
export interface Repo {
  readonly work: string
  readonly bare: string
  readonly fileUrl: string
  /** Writes files (paths relative to the repo), commits, pushes to the bare copy; returns the commit. */
  readonly commit: (files: Record<string, Entry>, message?: string) => string
  readonly tag: (name: string) => void
}

export function makeRepo(dir: string, name = "jobs"): Repo {
  const work = join(dir, `${name}-work`)
  const bare = join(dir, `${name}.git`)
  mkdirSync(work, { recursive: true })
  gitIn(work, "init", "--quiet", "--initial-branch=main")
  gitIn(dir, "init", "--quiet", "--bare", "--initial-branch=main", bare)
  gitIn(work, "remote", "add", "origin", bare)
  return {
    work,
    bare,
    fileUrl: pathToFileURL(bare).href,
    commit: (files, message = "change") => {
      for (const [path, entry] of Object.entries(files)) {
        const full = join(work, path)
        mkdirSync(dirname(full), { recursive: true })
        if (typeof entry === "string") writeFileSync(full, entry)
        else if ("link" in entry) symlinkSync(entry.link, full)
        else {
          writeFileSync(full, entry.text)
          chmodSync(full, entry.mode)
        }
      }
      gitIn(work, "add", "--all")
      gitIn(work, "commit", "--quiet", "-m", message)
      gitIn(work, "push", "--quiet", "origin", "HEAD:main", "--tags")
      // For the dumb HTTP transport (a static file server).
      gitIn(bare, "update-server-info")
      return gitIn(work, "rev-parse", "HEAD")
    },
    tag: (tagName) => {
      gitIn(work, "tag", "-a", tagName, "-m", tagName)
      gitIn(work, "push", "--quiet", "origin", tagName)
      gitIn(bare, "update-server-info")
    }
  }
}

/** A free loopback port (closed again; the caller binds it right away). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port
      server.close(() => resolve(port))
    })
  })
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1")
    socket.once("connect", () => {
      socket.destroy()
      resolve(true)
    })
    socket.once("error", () => resolve(false))
  })
}

/** `git daemon` serving every repository under `base` on loopback; stopped with `stop`. */
export async function gitDaemon(base: string): Promise<{ readonly url: (repo: string) => string; readonly port: number; readonly stop: () => Promise<void> }> {
  const port = await freePort()
  const child = spawn("git", [
    "daemon",
    "--export-all",
    `--base-path=${base}`,
    `--port=${port}`,
    "--listen=127.0.0.1",
    "--reuseaddr",
    "--informative-errors",
    base
  ], {
    env,
    stdio: ["ignore", "ignore", "pipe"]
  })
  let stderr = ""
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
  for (let i = 0; i < 200 && !(await accepts(port)); i++) {
    if (child.exitCode !== null) throw new Error(`git daemon exited: ${stderr}`)
    await new Promise((r) => setTimeout(r, 25))
  }
  return {
    port,
    url: (repo) => `git://127.0.0.1:${port}/${repo}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once("exit", () => resolve())
        child.kill("SIGTERM")
      })
  }
}

/**
 * A static file server over `base` on loopback, which git reads with its
 * "dumb" HTTP transport; with `basic`, every request needs those
 * credentials. `requests` records what was asked for.
 */
export async function dumbHttp(base: string, basic?: { readonly user: string; readonly password: string }) {
  const requests: Array<string> = []
  const expected = basic === undefined ? undefined : `Basic ${Buffer.from(`${basic.user}:${basic.password}`).toString("base64")}`
  const server = createHttpServer((req, res) => {
    requests.push(req.url ?? "")
    if (expected !== undefined && req.headers.authorization !== expected) {
      res.writeHead(401, { "www-authenticate": 'Basic realm="git"' }).end()
      return
    }
    const path = normalize(join(base, decodeURIComponent((req.url ?? "/").split("?")[0])))
    if (!path.startsWith(base + sep)) return void res.writeHead(403).end()
    try {
      if (!statSync(path).isFile()) throw new Error("not a file")
      res.writeHead(200).end(readFileSync(path))
    } catch {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as { port: number }).port
  return {
    port,
    requests,
    url: (repo: string, auth = "") => `http://${auth}127.0.0.1:${port}/${repo}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
