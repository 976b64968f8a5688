/**
 * @module
 * Sandbox start-up overhead (issue: sandbox executor): a trivial script run
 * by the sandbox executor over the host rootfs vs the same script run by
 * the process executor, executors called directly, runs interleaved so both
 * see the same machine load. Goal: median overhead ≤ 30 ms.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import * as Effect from "effect/Effect"
import type { ExecRequest, ExecutorImpl, Job } from "../mod.ts"
import { NAMESPACE_ARGS } from "../plugins/executors/process/containment.ts"
import { makeProcessExecutor } from "../plugins/executors/process/mod.ts"
import { findProgram } from "../plugins/exec/mod.ts"
import { makeSandboxExecutor } from "../plugins/executors/sandbox/mod.ts"
import { median, ms, report } from "./_stats.ts"

const ROUNDS = 40
const work = mkdtempSync(join(tmpdir(), "flwd-bench-sandbox-"))
writeFileSync(join(work, "run.sh"), "#!/bin/sh\necho ok\n", { mode: 0o755 })

const job: Job = {
  id: "trivial",
  local_id: "trivial",
  source: "default",
  name: "trivial",
  dir: work,
  steps: [],
  argspec: { args: [] },
  env: {},
  warnings: []
}

function request(round: number): ExecRequest {
  return {
    runId: `run_bench_${round}`,
    job,
    step: { id: "main", argv: ["./run.sh"], needs: [] },
    runDir: join(work, "runs", String(round)),
    secretsDir: join(work, "secrets", String(round)),
    env: { FLWD_RUN_ID: `run_bench_${round}` },
    secrets: [],
    settings: { network: false, inheritEnv: false, rootfsWritable: false },
    onOutput: () => Effect.void
  }
}

async function time(executor: ExecutorImpl, round: number): Promise<number> {
  const started = performance.now()
  const result = await Effect.runPromise(executor.execute(request(round)))
  const elapsed = performance.now() - started
  if (result.exitCode !== 0) throw new Error(`run ${round} exited with ${result.exitCode}`)
  return elapsed
}

// A program run to its exit, stdout read, as an executor would; the elapsed ms.
function spawnTime(command: string, args: ReadonlyArray<string>): Promise<number> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd: work, stdio: ["ignore", "pipe", "inherit"] })
    child.stdout.resume()
    child.on("error", reject)
    child.on("close", (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`${command} exited with ${code}`))))
  })
}

const processExecutor = makeProcessExecutor()
const sandboxExecutor = makeSandboxExecutor()
try {
  const preview = await Effect.runPromise(sandboxExecutor.preview(job, request(0).settings))
  if (!preview.available) {
    report("sandbox start-up overhead", "skipped", `sandbox unavailable: ${String(preview.details.reason)}`)
  } else {
    // Warm-up: capability detection, module and file caches.
    await time(processExecutor, -1)
    await time(sandboxExecutor, -2)
    const bwrap = findProgram("bwrap")
    const plain: Array<number> = []
    const boxed: Array<number> = []
    const bare: Array<number> = []
    const namespaced: Array<number> = []
    for (let i = 0; i < ROUNDS; i++) {
      plain.push(await time(processExecutor, i))
      boxed.push(await time(sandboxExecutor, ROUNDS + i))
      bare.push(await spawnTime("/bin/sh", ["./run.sh"]))
      if (bwrap !== undefined) namespaced.push(await spawnTime(bwrap, [...NAMESPACE_ARGS, "--", "/bin/sh", "./run.sh"]))
    }
    report(`spawn /bin/sh ./run.sh, no executor (median of ${ROUNDS})`, ms(median(bare)))
    if (bwrap !== undefined) report("the same in bubblewrap's PID namespace only", ms(median(namespaced)))
    const overhead = median(boxed) - median(plain)
    report(`process executor, trivial script (median of ${ROUNDS})`, ms(median(plain)))
    report(`sandbox executor, same script (median of ${ROUNDS})`, ms(median(boxed)))
    report("sandbox capabilities", JSON.stringify(preview.details.limits ?? preview.details.notes ?? ""))
    report("sandbox start-up overhead", ms(overhead), `goal ≤ 30 ms ${overhead <= 30 ? "(met)" : "(NOT met)"}`)
  }
} finally {
  rmSync(work, { recursive: true, force: true })
}
