/**
 * @module
 * The `flwd :sources add --type oci` flags: the CLI's parsing, help and
 * completion come from this list.
 */
import type { AddFlag } from "../../../core/mod.ts"

/** @since 0.2.0 @category models */
export const ociAddFlags: ReadonlyArray<AddFlag> = [
  { flag: "ref", placeholder: "ref", positional: true, help: "image reference, registry/repository:tag or @digest" },
  { flag: "trusted", value: "boolean", help: "trust the source explicitly (required: an add-on runs code from its image)" },
  {
    flag: "pull-policy",
    field: "pull_policy",
    placeholder: "policy",
    help: "on-add, on-startup, on-run or always",
    complete: ["on-add", "on-startup", "on-run", "always"]
  },
  { flag: "platform", placeholder: "os/arch", help: "image platform to pull from an index, e.g. linux/arm64 (default: this host's)" },
  { flag: "semver", placeholder: "range", help: 'use the highest tag matching this semver range, e.g. ">=1.2 <2"' }
]
