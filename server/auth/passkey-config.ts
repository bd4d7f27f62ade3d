/**
 * Who the server is to passkeys (WebAuthn's relying party). A passkey is
 * bound by the authenticator to its RP ID and every assertion carries the
 * page's origin, signed: checking both is what makes a passkey
 * phishing-resistant (W3C WebAuthn Level 2 §7.1 steps 9 and 13, §7.2
 * steps 13 and 15).
 *
 * From OUTPOST_PUBLIC_URL: its host is the RP ID and its origin the only
 * one accepted. Without it the server is on a LAN or a developer's laptop:
 * browsers allow WebAuthn on plain http only for `localhost`, so the RP ID
 * is `localhost` and any `localhost` port is accepted (only a page served
 * from this machine can claim that origin).
 */
export interface WebAuthnConfig {
  rpId: string;
  rpName: string;
  /** Exact origins accepted; empty with rpId `localhost` means any http(s)://localhost[:port]. */
  origins: readonly string[];
}

export function webAuthnConfigFrom(publicUrl: string | undefined): WebAuthnConfig {
  if (!publicUrl) return { rpId: 'localhost', rpName: 'Outpost', origins: [] };
  const url = new URL(publicUrl);
  return { rpId: url.hostname, rpName: 'Outpost', origins: [url.origin] };
}

/** Whether a page at `origin` may use this server's passkeys. */
export function originAllowed(config: WebAuthnConfig, origin: string): boolean {
  if (config.origins.length > 0) return config.origins.includes(origin);
  if (config.rpId !== 'localhost') return false;
  return /^https?:\/\/localhost(:\d{1,5})?$/.test(origin);
}
