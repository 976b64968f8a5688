/**
 * @module
 * Sandbox start-up overhead (issue: sandbox executor): a trivial script run
 * by the sandbox executor over the host rootfs vs the same script run by
 * the process executor, executors called directly, runs interleaved so both
 * see the same machine load. Goal: median overhead ≤ 30 ms.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import * as Effect from "effect/Effect"
import type { ExecRequest, ExecutorImpl, Job } from "../mod.ts"
import { makeProcessExecutor } from "../plugins/executors/process/mod.ts"
import { makeSandboxExecutor } from "../plugins/executors/sandbox/mod.ts"
import { median, ms, report } from "./_stats.ts"

const ROUNDS = 40
const work = mkdtempSync(join(tmpdir(), "flwd-bench-sandbox-"))
writeFileSync(join(work, "run.sh"), "#!/bin/sh\necho ok\n", { mode: 0o755 })

const job: Job = {
  id: "trivial", local_id: "trivial", source: "default", name: "trivial", dir: work,
  steps: [], argspec: { args: [] }, env: {}, warnings: []
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
    const plain: Array<number> = []
    const boxed: Array<number> = []
    for (let i = 0; i < ROUNDS; i++) {
      plain.push(await time(processExecutor, i))
      boxed.push(await time(sandboxExecutor, ROUNDS + i))
    }
    const overhead = median(boxed) - median(plain)
    report(`process executor, trivial script (median of ${ROUNDS})`, ms(median(plain)))
    report(`sandbox executor, same script (median of ${ROUNDS})`, ms(median(boxed)))
    report("sandbox start-up overhead", ms(overhead), `goal ≤ 30 ms ${overhead <= 30 ? "(met)" : "(NOT met)"}`)
  }
} finally {
  rmSync(work, { recursive: true, force: true })
}
