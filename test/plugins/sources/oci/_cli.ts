/**
 * Runs `flwd` in a temporary working directory holding a policy file that
 * lists the test registry, with the example jobs as the root tree and a data
 * directory of its own: in-process (`runCli`, the same argv parsing and
 * output) unless the command needs a terminal, which only a real process
 * under `script` has.
 */
import { spawn } from "node:child_process"
import { cpSync } from "node:fs"
import { join } from "node:path"
import type { Test } from "tap"
import type { Policy } from "../../../../mod.ts"
import { inProcess } from "../../../cli/_flwd.ts"
import { examples, repo, tempDir } from "../../../helpers/engine.ts"
import { writePolicyFile } from "./_addon.ts"
import { untracked } from "../../../helpers/untracked.ts"

export interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export interface CliBox {
  readonly cwd: string
  readonly dataDir: string
  readonly policyFile: string
  readonly flwd: (args: ReadonlyArray<string>, options?: { readonly tty?: boolean }) => Promise<CliResult>
}

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_NO_WARNINGS: "1" }
  for (const key of Object.keys(env)) if (key.startsWith("FLWD_") || key === "NO_COLOR" || key === "FORCE_COLOR") delete env[key]
  return env
}

const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`

export function cliBox(t: Test, policy: Policy): CliBox {
  const cwd = tempDir(t, "flwd-oci-cli-")
  cpSync(examples, join(cwd, "jobs"), { recursive: true })
  const dataDir = join(cwd, "data")
  const policyFile = writePolicyFile(cwd, policy)
  const flwd = (args: ReadonlyArray<string>, options: { readonly tty?: boolean } = {}): Promise<CliResult> => {
    const flags = ["--data-dir", dataDir, "--policy", policyFile, ...args]
    if (options.tty !== true) return inProcess(flags, cwd, cleanEnv())
    return new Promise<CliResult>((resolve) => {
      // `script` gives the command a pseudo-terminal, for what flwd only shows on a TTY.
      const line = untracked([process.execPath, join(repo, "cli/main.ts"), ...flags]).flat().map(quote).join(" ")
      const child = spawn("script", ["-qefc", line, "/dev/null"], { cwd, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] })
      let stdout = ""
      let stderr = ""
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
      child.on("close", (code) => resolve({ code, stdout, stderr }))
    })
  }
  return { cwd, dataDir, policyFile, flwd }
}
