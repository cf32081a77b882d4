/**
 * Whether a configured host is this machine's loopback, where a plain-text connection never
 * crosses a network. Exact names only: `localhost-mail.school.nl` is not loopback.
 */
export function isLoopbackHost(host: string): boolean {
  // A URL's hostname writes IPv6 in brackets ([::1]); a trailing dot is the same name.
  const name = host
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
  return name === 'localhost' || name === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

/**
 * Whether a URL is http or https on this machine's loopback: the one place where a token endpoint
 * may be plain http, because what is sent to it (a client secret, a signed assertion) never
 * crosses a network.
 */
export function isLoopbackUrl(url: URL): boolean {
  return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHost(url.hostname);
}

/**
 * The clear-text rule: a connection without implicit TLS must be upgraded with STARTTLS before
 * credentials are sent, unless the server is on loopback, where nothing crosses a network.
 */
export function requiresStartTls(server: { host: string; secure: boolean }): boolean {
  return !server.secure && !isLoopbackHost(server.host);
}
