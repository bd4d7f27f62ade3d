/**
 * Base64 for Yjs updates and state vectors on the wire (`/api/sync/batch`).
 * Works in the browser and in Node without Buffer, and in chunks so a large
 * snapshot does not overflow the argument limit of String.fromCharCode.
 */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
