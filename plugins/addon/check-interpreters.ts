/**
 * @module
 * Each job's interpreter checked against the image's files: the first word
 * of a step's argv (the `interpreter:` or the `command:`), and for a script
 * of the job its `#!` line — the file the kernel will execute inside the
 * image's rootfs. A missing one is `addon.interpreter.missing` with the job
 * and the path, at validate and pack time, rather than an
 * `execvp … No such file or directory` on the first run.
 */
import { open } from "node:fs/promises"
import { join } from "node:path"
import { type FieldError, type JobDefinition, SourceError } from "../../core/mod.ts"
import { ociProblem } from "../oci/mod.ts"
import { type ImageFiles, lookup, onPath } from "./image-files.ts"

/** What `execvp` searches when the image's config sets no PATH (Docker's default). */
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

async function shebang(file: string): Promise<ReadonlyArray<string> | undefined> {
  const handle = await open(file, "r").catch(() => undefined)
  if (handle === undefined) return undefined
  try {
    const buffer = Buffer.alloc(256)
    const { bytesRead } = await handle.read(buffer, 0, 256, 0)
    const text = buffer.subarray(0, bytesRead).toString("latin1")
    if (!text.startsWith("#!")) return undefined
    return text.slice(2).split("\n")[0].trim().split(/\s+/).filter((w) => w !== "")
  } finally {
    await handle.close()
  }
}

/** Where a program named in argv[0] is in the image, or why it is not. */
function found(files: ImageFiles, program: string, path: string): boolean {
  if (program.includes("/")) return lookup(files, program)?.type === "file"
  return onPath(files, program, path) !== undefined
}

/**
 * The missing interpreters of `jobs`, one `errors[]` entry each, paths
 * relative to the add-on directory (`jobs/<id>/config.yaml`,
 * `jobs/<id>/run.sh`). Jobs live at `/flwd-addon/jobs/<id>` in the image.
 *
 * @since 0.1.0
 * @category utils
 */
export async function missingInterpreters(
  jobs: ReadonlyArray<JobDefinition>,
  files: ImageFiles,
  path: string = DEFAULT_PATH
): Promise<ReadonlyArray<FieldError>> {
  const errors: Array<FieldError> = []
  const seen = new Set<string>()
  for (const job of jobs) {
    for (const step of job.steps) {
      const program = step.argv[0]
      if (program === undefined) continue
      const config = `jobs/${job.id}/config.yaml`
      if (program.startsWith("./") || program.startsWith("../")) {
        // A file of the job: the kernel runs its #! interpreter, which must be in the image.
        const words = await shebang(join(job.dir, program))
        if (words === undefined || words.length === 0) continue
        const script = `jobs/${job.id}/${program.replace(/^\.\//, "")}`
        const report = (missing: string, why: string) => {
          if (seen.has(`${script}\0${missing}`)) return
          seen.add(`${script}\0${missing}`)
          errors.push({ path: script, message: `${why} ${missing}, which the image does not have` })
        }
        if (!found(files, words[0], path)) report(words[0], `job ${job.id}: its #! line runs`)
        else if (/(^|\/)env$/.test(words[0]) && words[1] !== undefined && !words[1].startsWith("-") && !found(files, words[1], path)) {
          report(words[1], `job ${job.id}: its #! line runs ${words[0]} ${words[1]}; PATH has no`)
        }
        continue
      }
      if (!found(files, program, path) && !seen.has(`${config}\0${program}`)) {
        seen.add(`${config}\0${program}`)
        errors.push({
          path: config,
          message: `job ${job.id}: runs ${program}, which the image does not have${program.includes("/") ? "" : ` on PATH (${path})`}`
        })
      }
    }
  }
  return errors
}

/**
 * The problem of missing interpreters, with the fix.
 *
 * @since 0.1.0
 * @category constructors
 */
export function interpreterProblem(subject: string, errors: ReadonlyArray<FieldError>): SourceError {
  return ociProblem(
    "addon.interpreter.missing",
    `${subject}: ${errors.length === 1 ? "a job's interpreter is" : `${errors.length} interpreters are`} missing from the image; first: ${errors[0].path}: ${
      errors[0].message
    }`,
    { errors }
  )
}
