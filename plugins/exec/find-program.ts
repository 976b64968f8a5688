/**
 * @module
 * Finding a helper program (bubblewrap, prlimit) the way a shell would, but
 * also in the usual system directories: a job's clean PATH may lack them.
 */
import { accessSync, constants } from "node:fs"
import { delimiter, isAbsolute, join } from "node:path"

const SEARCH = ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"]

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/**
 * Finds an executable by path, or by name on PATH and then the usual
 * directories; undefined when there is none.
 *
 * @since 0.1.0
 * @category utils
 */
export function findProgram(name: string): string | undefined {
  if (name.includes("/")) return executable(name) ? name : undefined
  const dirs = [...(process.env.PATH ?? "").split(delimiter).filter((d) => isAbsolute(d)), ...SEARCH]
  return dirs.map((d) => join(d, name)).find(executable)
}
