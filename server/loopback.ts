/**
 * @module
 * Which host names and addresses are loopback. The bind check of `--dev`
 * and the `Host` check against DNS rebinding share this one answer.
 */

/**
 * True for loopback hosts: `localhost`, `127.0.0.0/8`, `::1`, and IPv4
 * loopback mapped into IPv6 (`::ffff:127.0.0.1`, which the URL parser
 * writes `::ffff:7f00:1`). Only the bare name `localhost`: its subdomains
 * may be sent to a DNS server, which an attacker may answer.
 *
 * @since 0.1.0
 * @category constructors
 */
export function isLoopback(hostname: string): boolean {
  const h = hostname.toLowerCase()
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h) ||
    /^::ffff:127(\.\d{1,3}){3}$/.test(h) || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(h)
}
