/**
 * Fixtures of the sandbox tests: a busybox-static rootfs with an add-on job
 * tree, and requests for the executor.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import type { Job } from "../../../../core/domain/job.ts"
import type { ExecRequest } from "../../../../core/plugin.ts"

export const BUSYBOX = ["/usr/bin/busybox", "/bin/busybox"].find((p) => existsSync(p)) ?? "/bin/busybox"

const APPLETS = ["sh", "echo", "cat", "ls", "id", "sleep", "wc", "nc", "touch", "env", "grep", "dd", "true", "false", "printf", "test", "mkdir", "rm"]

export interface Teardown {
  teardown: (fn: () => void) => void
}

/** A temp dir holding `rootfs/` (busybox) with `rootfs/flwd-addon/jobs/<id>/` for each job given. */
export function busyboxRootfs(t: Teardown, jobs: Record<string, Record<string, string>> = {}): { readonly dir: string; readonly rootfs: string } {
  const dir = mkdtempSync(join(tmpdir(), "flwd-sandbox-"))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const rootfs = join(dir, "rootfs")
  mkdirSync(join(rootfs, "bin"), { recursive: true })
  mkdirSync(join(rootfs, "etc"), { recursive: true })
  copyFileSync(BUSYBOX, join(rootfs, "bin", "busybox"))
  chmodSync(join(rootfs, "bin", "busybox"), 0o755)
  for (const applet of APPLETS) symlinkSync("busybox", join(rootfs, "bin", applet))
  writeFileSync(join(rootfs, "etc", "image-release"), "busybox test image\n")
  writeFileSync(join(rootfs, "etc", "passwd"), "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n")
  for (const [id, files] of Object.entries(jobs)) addJob(rootfs, id, files)
  return { dir, rootfs }
}

/** Writes a job directory under `<rootfs>/flwd-addon/jobs/<id>`; `.sh` files are made executable. */
export function addJob(rootfs: string, id: string, files: Record<string, string>): string {
  const dir = join(rootfs, "flwd-addon", "jobs", id)
  mkdirSync(dir, { recursive: true })
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body, { mode: name.endsWith(".sh") ? 0o755 : 0o644 })
  return dir
}

export function job(dir: string, extra: Partial<Job> = {}): Job {
  return {
    id: "demo",
    local_id: "demo",
    source: "default",
    name: "demo",
    dir,
    steps: [],
    argspec: { args: [] },
    env: {},
    warnings: [],
    executor: "sandbox",
    ...extra
  }
}

export type Output = Array<[string, string]>

// Run and secret directories of every request, removed when the test file ends.
const runDirs: Array<string> = []
process.on("exit", () => {
  for (const dir of runDirs) rmSync(dir, { recursive: true, force: true })
})

export const secure = { network: false, inheritEnv: false, rootfsWritable: false }

/** A request for `argv` in the job at `dir`; output lines are collected. */
export function request(
  dir: string,
  argv: Array<string>,
  extra: Partial<ExecRequest> = {}
): { req: ExecRequest; out: Output; lines: (s?: string) => Array<string> } {
  const out: Output = []
  const data = mkdtempSync(join(tmpdir(), "flwd-sandbox-run-"))
  runDirs.push(data)
  const req: ExecRequest = {
    runId: "run_test",
    job: job(dir),
    step: { id: "main", argv, needs: [] },
    runDir: join(data, "work"),
    secretsDir: join(data, "secrets"),
    env: {},
    secrets: [],
    settings: secure,
    onOutput: (stream, lines) =>
      Effect.sync(() => {
        for (const l of lines) out.push([stream, l])
      }),
    ...extra
  }
  const lines = (s = "stdout") => out.filter(([k]) => k === s).map(([, l]) => l)
  return { req, out, lines }
}

/** Live host processes whose command line contains `marker`. */
export function liveWith(marker: string): Array<number> {
  const pids: Array<number> = []
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "latin1")
      const state = stat.charAt(stat.lastIndexOf(")") + 2)
      if (state === "Z" || state === "X") continue
      if (readFileSync(`/proc/${entry}/cmdline`, "latin1").split("\0").includes(marker)) pids.push(Number(entry))
    } catch {
      // Gone meanwhile.
    }
  }
  return pids
}
