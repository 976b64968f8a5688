/**
 * @module
 * A job whose secret argument has a default, for the tests that prove the
 * default never leaves the job definition: the job reads the secret from
 * its file and prints its length and SHA-256 (which prove it was bound
 * without showing it), then the value itself (which the run's redaction
 * must mask).
 */
import { createHash } from "node:crypto"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"

/** The secret default; no output, table or file may contain it. */
export const SECRET_DEFAULT = "dflt-Zq7xW3-vault-token"

/** What a caller passes instead, to show a given value still wins. */
export const GIVEN_SECRET = "given-Kp2vR8-vault-token"

/** The hex SHA-256 of a string, as `sha256sum` prints it. */
export function sha256(s: string): string {
  return createHash("sha256").update(s).digest("hex")
}

/** Writes `vault/` (secret `token` with a default, plain `greeting`, object `meta`) under `root`. */
export function writeVaultJob(root: string): void {
  const dir = join(root, "vault")
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    join(dir, "config.yaml"),
    [
      "summary: Uses a token",
      "command: ./run.sh",
      "argspec:",
      "  args:",
      `    - { name: token, type: string, format: secret, default: ${SECRET_DEFAULT}, description: API token }`,
      "    - { name: greeting, type: string, default: hello }",
      "    - { name: meta, type: object }",
      ""
    ].join("\n")
  )
  writeFileSync(
    join(dir, "run.sh"),
    [
      "#!/bin/sh",
      'v=$(cat "$FLWD_SECRETS_DIR/token")',
      'echo "length=${#v}"',
      'echo "sha256=$(printf %s "$v" | sha256sum | cut -d\' \' -f1)"',
      'echo "raw=$v"',
      'echo "greeting=$ARG_GREETING meta=$ARG_META"',
      ""
    ].join("\n"),
    { mode: 0o755 }
  )
}
