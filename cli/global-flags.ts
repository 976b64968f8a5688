/**
 * @module
 * The flags every command accepts, wherever they stand before `--`. Kept
 * apart so the parser can name them in errors without loading the registry.
 */
import type { FlagSpec } from "./argv.ts"

/** @since 0.1.0 @category models */
export const globalFlags: ReadonlyArray<FlagSpec> = [
  { name: "root", kind: "value", valueName: "dir", description: "job tree whose jobs keep bare ids (default ./jobs)" },
  { name: "data-dir", kind: "value", valueName: "dir", description: "data directory (default $FLWD_DATA_DIR, else ./.flwd)" },
  { name: "profile", kind: "value", valueName: "name", description: "default security profile (default $FLWD_PROFILE, else the policy's)" },
  { name: "policy", kind: "value", valueName: "file", description: "policy file (default $FLWD_POLICY_FILE, else ./flwd.policy.yaml)" },
  { name: "json", kind: "boolean", description: "machine-readable output: JSON, NDJSON for streams, problems as JSON on stderr" },
  { name: "help", kind: "boolean", short: "h", description: "show help" },
  { name: "version", kind: "boolean", description: "print the version" }
]
