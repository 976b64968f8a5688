/**
 * @module
 * Running the git CLI: an argument vector (no shell), never a prompt
 * (`GIT_TERMINAL_PROMPT=0`), only the transport the URL needs, and the
 * caller's git environment (`GIT_DIR`, `-c` parameters) dropped. Its
 * output is masked before it can reach an error, an event or a log: git
 * echoes URLs, credentials included. Interrupting a call kills git.
 */
import { spawn } from "node:child_process"
import process from "node:process"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { maskCredentials } from "../../../core/mod.ts"

/**
 * git exited non-zero (or could not start); `stderr` is already masked.
 *
 * @since 0.1.0
 * @category errors
 */
export class GitFailure extends Data.TaggedError("GitFailure")<{
  readonly args: ReadonlyArray<string>
  readonly exitCode: number | null
  readonly stderr: string
}> {
  override get message(): string {
    return `git ${this.args[0] ?? ""} failed (${this.exitCode ?? "not started"}): ${this.stderr.trim().split("\n").slice(-3).join(" / ")}`
  }
}

/** @since 0.1.0 @category models */
export interface GitCall {
  /** The git program. Default `git`. */
  readonly binary?: string
  /** `--git-dir`. */
  readonly gitDir?: string
  /** The only transport allowed (`https`, `file`, …); all others are off. */
  readonly protocol?: string
  /** URLs whose credentials are masked in output and in failures. */
  readonly secrets?: ReadonlyArray<string>
  /** Called at most every `progressEveryMs` while git writes to stderr (fetches report progress there). */
  readonly onProgress?: (line: string) => Effect.Effect<void>
  /** Default 1000. */
  readonly progressEveryMs?: number
}

// Variables that would point git at another repository or inject configuration.
const dropped =
  /^GIT_(DIR|WORK_TREE|INDEX_FILE|OBJECT_DIRECTORY|ALTERNATE_OBJECT_DIRECTORIES|COMMON_DIR|NAMESPACE|PREFIX|CEILING_DIRECTORIES|CONFIG_PARAMETERS|CONFIG_COUNT|CONFIG_KEY_\d+|CONFIG_VALUE_\d+|QUARANTINE_PATH)$/

function environment(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !dropped.test(k)) env[k] = v
  return { ...env, GIT_TERMINAL_PROMPT: "0", GCM_INTERACTIVE: "never", GIT_ASKPASS: "", SSH_ASKPASS: "", LC_ALL: "C" }
}

// The credential parts of a URL, raw and decoded: git quotes them in pieces too
// ("unable to look up user:token@host").
function credentialsOf(url: string): Array<string> {
  const info = /^[a-z][a-z0-9+.-]*:\/\/([^/?#@\s]+)@/i.exec(url)?.[1]
  if (info === undefined) return []
  const parts = [info, ...info.split(":")]
  const decoded = parts.map((p) => {
    try {
      return decodeURIComponent(p)
    } catch {
      return p
    }
  })
  // Longest first, so "user:token" is masked whole before "token" alone.
  return [...new Set([...parts, ...decoded])].filter((p) => p.length >= 3).sort((a, b) => b.length - a.length)
}

/** Masks URL credentials in `text`, also where git quotes them without the URL around them. */
export function maskGitOutput(text: string, urls: ReadonlyArray<string>): string {
  let out = maskCredentials(text)
  for (const url of urls) for (const secret of credentialsOf(url)) out = out.split(secret).join("***")
  return out
}

/**
 * Runs `git <args>`; resolves to stdout.
 *
 * @since 0.1.0
 * @category constructors
 */
export function git(args: ReadonlyArray<string>, call: GitCall = {}): Effect.Effect<string, GitFailure> {
  const config = [
    "-c",
    "protocol.allow=never",
    ...(call.protocol !== undefined ? ["-c", `protocol.${call.protocol}.allow=always`] : []),
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    "advice.detachedHead=false",
    "-c",
    "credential.interactive=never"
  ]
  const argv = [...config, ...(call.gitDir !== undefined ? [`--git-dir=${call.gitDir}`] : []), ...args]
  const secrets = call.secrets ?? []
  // Kept on failures, which end up in logs: masked like the output.
  const shown = args.map((a) => maskGitOutput(a, secrets))
  const state = { stderr: "", changed: false }
  const run = Effect.async<string, GitFailure>((resume) => {
    const child = spawn(call.binary ?? "git", argv, { env: environment(), stdio: ["ignore", "pipe", "pipe"] })
    const out: Array<Buffer> = []
    child.stdout.on("data", (d: Buffer) => out.push(d))
    child.stderr.on("data", (d: Buffer) => {
      // Progress rewrites one line with \r; keep the tail only.
      state.stderr = (state.stderr + d.toString("utf8")).slice(-16_384)
      state.changed = true
    })
    child.on("error", (e) => resume(Effect.fail(new GitFailure({ args: shown, exitCode: null, stderr: maskGitOutput(e.message, secrets) }))))
    child.on("close", (code) => {
      if (code === 0) resume(Effect.succeed(Buffer.concat(out).toString("utf8")))
      else resume(Effect.fail(new GitFailure({ args: shown, exitCode: code, stderr: maskGitOutput(state.stderr, secrets) })))
    })
    return Effect.sync(() => void child.kill("SIGKILL"))
  })
  if (call.onProgress === undefined) return run
  const onProgress = call.onProgress
  const report = Effect.gen(function* () {
    for (;;) {
      yield* Effect.sleep(Duration.millis(call.progressEveryMs ?? 1000))
      if (!state.changed) continue
      state.changed = false
      const line = state.stderr.split(/[\r\n]/).filter((l) => l.trim() !== "").pop() ?? ""
      yield* onProgress(maskGitOutput(line, secrets))
    }
  })
  return Effect.scoped(Effect.zipRight(Effect.forkScoped(report), run))
}
