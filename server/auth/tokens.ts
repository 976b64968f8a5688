/**
 * @module
 * Bearer tokens and their scopes. Tokens come from `FLWD_TOKENS`
 * (`token1:scope1,scope2;token2:*`) and from the app's options; only their
 * SHA-256 digests are kept, and a presented token is compared against every
 * digest with `timingSafeEqual`, so neither memory dumps nor response
 * timing reveal a token.
 */
import { createHash, timingSafeEqual } from "node:crypto"
import { ConfigError } from "../../core/mod.ts"
// The list is the engine's: `flwd.yaml` names scopes and is read without the server.
import { type Scope, scopes } from "../../engine/api-scopes.ts"

export { type Scope, scopes }

/**
 * A token and what it may do; `*` grants every scope. `token_sha256` (hex)
 * stands for a token known only by its digest (`tokens:` in `flwd.yaml`).
 *
 * @since 0.1.0
 * @category models
 */
export type TokenGrant =
  | { readonly token: string; readonly scopes: ReadonlyArray<Scope | "*"> }
  | { readonly token_sha256: string; readonly scopes: ReadonlyArray<Scope | "*"> }

/** The token `--dev` issues, with every scope. */
export const DEV_TOKEN = "dev-token"

const isScope = (s: string): s is Scope => (scopes as ReadonlyArray<string>).includes(s)

/**
 * Parses `token1:scope1,scope2;token2:*`. Scopes contain `:` themselves, so
 * a token ends at its first `:`. Errors never echo the token.
 *
 * @since 0.1.0
 * @category constructors
 */
export function parseTokens(text: string, from = "FLWD_TOKENS"): ReadonlyArray<TokenGrant> {
  const grants: Array<TokenGrant> = []
  const entries = text.split(";").map((e) => e.trim()).filter((e) => e !== "")
  entries.forEach((entry, i) => {
    const colon = entry.indexOf(":")
    const token = colon < 0 ? entry : entry.slice(0, colon)
    const list = colon < 0 ? [] : entry.slice(colon + 1).split(",").map((s) => s.trim()).filter((s) => s !== "")
    const path = `${from}[${i}]`
    if (token === "") throw invalid(`${from}: entry ${i + 1} has an empty token`, path)
    if (list.length === 0) throw invalid(`${from}: entry ${i + 1} names no scopes (use token:scope1,scope2 or token:*)`, path)
    const bad = list.filter((s) => s !== "*" && !isScope(s))
    if (bad.length > 0) {
      throw invalid(`${from}: entry ${i + 1} has unknown scope ${bad.join(", ")} (known: ${scopes.join(", ")}, *)`, path)
    }
    grants.push({ token, scopes: list as ReadonlyArray<Scope | "*"> })
  })
  return grants
}

function invalid(detail: string, path: string): ConfigError {
  return new ConfigError({ code: "config.invalid", detail, errors: [{ path, message: "invalid token entry" }] })
}

const digest = (token: string): Buffer => createHash("sha256").update(token, "utf8").digest()

/**
 * Verifies presented tokens against the configured ones.
 *
 * @since 0.1.0
 * @category models
 */
export interface TokenTable {
  /** The token's scopes, or null when it is not one of ours. */
  readonly verify: (token: string) => ReadonlySet<Scope> | null
  readonly size: number
}

/**
 * Builds the table; a token given twice gets the union of its scopes.
 *
 * @since 0.1.0
 * @category constructors
 */
export function makeTokenTable(grants: ReadonlyArray<TokenGrant>): TokenTable {
  const entries: Array<{ readonly hash: Buffer; readonly scopes: Set<Scope> }> = []
  for (const grant of grants) {
    const hash = "token" in grant ? digest(grant.token) : Buffer.from(grant.token_sha256.toLowerCase(), "hex")
    if (hash.length !== 32) continue
    const granted = new Set<Scope>(grant.scopes.includes("*") ? scopes : grant.scopes as ReadonlyArray<Scope>)
    const same = entries.find((e) => timingSafeEqual(e.hash, hash))
    if (same !== undefined) { for (const s of granted) same.scopes.add(s) }
    else entries.push({ hash, scopes: granted })
  }
  return {
    size: entries.length,
    verify: (token) => {
      const hash = digest(token)
      let found: Set<Scope> | null = null
      // No early exit: the time taken does not depend on which entry matched.
      for (const entry of entries) if (timingSafeEqual(entry.hash, hash) && found === null) found = entry.scopes
      return found
    }
  }
}
