/**
 * @module
 * The generated job tree the engine and CLI benchmarks list and run:
 * `count` jobs of two arguments each, twenty per group directory.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"

/** Writes `count` generated jobs under `root`. */
export function writeGeneratedJobs(root: string, count: number): void {
  for (let i = 0; i < count; i++) {
    const dir = join(root, `group-${i % 20}`, `job-${i}`)
    mkdirSync(dir, { recursive: true })
    writeFileSync(
      join(dir, "config.yaml"),
      [
        `name: Job ${i}`,
        `summary: Generated job number ${i}`,
        "command: ./run.sh",
        "argspec:",
        "  args:",
        "    - { name: target, type: string, required: true }",
        "    - { name: count, type: integer, default: 1, minimum: 1 }",
        ""
      ].join("\n")
    )
    writeFileSync(join(dir, "run.sh"), "#!/bin/sh\necho ok\n", { mode: 0o755 })
  }
}
