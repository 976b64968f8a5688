/**
 * @module
 * The keyless identity policy (`trust.keyless`): a Fulcio certificate is
 * trusted when its OIDC issuer (Fulcio extension 1.3.6.1.4.1.57264.1.8, or
 * the legacy .1.1) equals `issuer` and its subject alternative name equals
 * `subject` or matches `subject_regexp` (cosign's
 * `--certificate-oidc-issuer` and `--certificate-identity[-regexp]`).
 *
 * A `subject_regexp` is always anchored at the start of the subject, so
 * `github.com/acme/` cannot match `https://evil.example/github.com/acme/`;
 * end it with `$` to match the whole subject.
 */
import type { FieldError } from "../../core/mod.ts"
import { messageOf } from "../oci/mod.ts"

/**
 * One trusted keyless identity, compiled.
 *
 * @since 0.1.0
 * @category models
 */
export interface KeylessIdentity {
  readonly issuer: string
  readonly subject: string | null
  readonly subjectRegexp: RegExp | null
  /** For messages: `<subject> from <issuer>` or `subject ~ <regexp> from <issuer>`. */
  readonly label: string
}

/** A `trust.keyless` entry as the policy file has it. */
export interface KeylessEntry {
  readonly issuer: string
  readonly subject?: string
  readonly subject_regexp?: string
}

/**
 * Compiles `trust.keyless[index]`, or says which field is wrong.
 *
 * @since 0.1.0
 * @category constructors
 */
export function compileIdentity(entry: KeylessEntry, index: number): KeylessIdentity | FieldError {
  const path = `trust.keyless[${index}]`
  if (entry.issuer.trim() === "") return { path: `${path}.issuer`, message: "must name the OIDC issuer" }
  const hasSubject = entry.subject !== undefined && entry.subject !== ""
  const hasRegexp = entry.subject_regexp !== undefined && entry.subject_regexp !== ""
  if (hasSubject === hasRegexp) return { path, message: "needs exactly one of subject or subject_regexp" }
  if (hasSubject) return { issuer: entry.issuer, subject: entry.subject!, subjectRegexp: null, label: `${entry.subject} from ${entry.issuer}` }
  try {
    const source = entry.subject_regexp!
    const subjectRegexp = new RegExp(`^(?:${source.startsWith("^") ? source.slice(1) : source})`)
    return { issuer: entry.issuer, subject: null, subjectRegexp, label: `subject ~ ${source} from ${entry.issuer}` }
  } catch (e) {
    return { path: `${path}.subject_regexp`, message: `is not a valid regular expression: ${messageOf(e)}` }
  }
}

/**
 * The first identity the certificate's issuer and subject satisfy, or null.
 *
 * @since 0.1.0
 * @category utils
 */
export function matchIdentity(
  identities: ReadonlyArray<KeylessIdentity>,
  cert: { readonly subject: string | null; readonly issuer: string | null }
): KeylessIdentity | null {
  if (cert.subject === null || cert.issuer === null) return null
  const subject = cert.subject
  return identities.find((id) => id.issuer === cert.issuer && (id.subject !== null ? id.subject === subject : id.subjectRegexp!.test(subject))) ?? null
}
