/**
 * @module
 * Secret files for one step (DESIGN §4): a private directory holding one
 * read-only file per secret, present only while the step runs.
 */
import { chmod, mkdir, rm, writeFile } from "node:fs/promises"
import { join } from "node:path"

/**
 * Writes each secret to `dir/<name>` with mode 0400 inside a 0700 directory.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function writeSecrets(
  dir: string,
  secrets: ReadonlyArray<{ readonly name: string; readonly value: string }>
): Promise<void> {
  // A stale directory from a crashed engine must not leak older values.
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true, mode: 0o700 })
  await chmod(dir, 0o700)
  for (const secret of secrets) {
    if (secret.name.includes("/") || secret.name === "." || secret.name === "..") {
      throw new Error(`invalid secret name ${JSON.stringify(secret.name)}`)
    }
    const file = join(dir, secret.name)
    // `wx` refuses to follow a symlink planted at the path.
    await writeFile(file, secret.value, { mode: 0o400, flag: "wx" })
    await chmod(file, 0o400)
  }
}

/**
 * Removes the secrets directory; never fails.
 *
 * @since 0.1.0
 * @category destructors
 */
export async function removeSecrets(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true }).catch(() => undefined)
}
