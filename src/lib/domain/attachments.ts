import { z } from 'zod';
import type { Provenance } from './chart';

/**
 * Files kept in a chart: a wound photo from the device camera, a scanned
 * referral letter. The chart document holds what the file is (FHIR
 * DocumentReference-shaped: title, content type, size, SHA-256); the bytes
 * live beside it, encrypted on the device and in the clinic server's store.
 * Client and server check the same rules, so a file the device accepts is a
 * file the server accepts.
 */

/** What a clinic needs to chart: photos and scanned documents. Anything that could run (HTML, SVG) is refused. */
export const ATTACHMENT_CONTENT_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'application/pdf'] as const;
export type AttachmentContentType = (typeof ATTACHMENT_CONTENT_TYPES)[number];

/** 10 MiB: a phone photo at full resolution (3–6 MB) or a multi-page scan fits; a video does not. */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

export const ATTACHMENT_STATUS = ['current', 'entered-in-error'] as const;

export function isAttachmentContentType(value: unknown): value is AttachmentContentType {
  return typeof value === 'string' && (ATTACHMENT_CONTENT_TYPES as readonly string[]).includes(value);
}

export function isImage(contentType: string): boolean {
  return contentType.startsWith('image/');
}

export const sha256HexSchema = z.string().regex(/^[0-9a-f]{64}$/, 'Expected a lowercase hex SHA-256');

export const attachmentInputSchema = z.object({
  title: z.string().trim().min(1, 'Give the file a title').max(200),
  contentType: z.enum(ATTACHMENT_CONTENT_TYPES, { message: 'Only JPEG, PNG or WebP photos and PDF documents can be attached' }),
  size: z
    .number()
    .int()
    .positive('The file is empty')
    .max(MAX_ATTACHMENT_BYTES, `Files up to ${MAX_ATTACHMENT_BYTES / (1024 * 1024)} MB can be attached`),
  sha256: sha256HexSchema
});
export type AttachmentInput = z.input<typeof attachmentInputSchema>;

export interface Attachment extends Provenance {
  id: string;
  title: string;
  contentType: AttachmentContentType;
  size: number;
  sha256: string;
  status: (typeof ATTACHMENT_STATUS)[number];
  /** Set once the clinic server holds the bytes; until then they are on the creating device only. */
  uploaded: boolean;
  uploadedAt: string;
}

/** A file title from its name: the extension is dropped, underscores become spaces. */
export function titleFromFileName(name: string): string {
  const base = name.replace(/\.[A-Za-z0-9]{1,5}$/, '').replace(/[_]+/g, ' ').trim();
  return (base || 'Attachment').slice(0, 200);
}

/** Human-readable size for the chart ("2.4 MB", "830 KB"). */
export function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/**
 * True when the bytes begin the way the declared type's files begin (JPEG
 * FF D8 FF, PNG's 8-byte signature, WebP RIFF….WEBP, PDF "%PDF-"), so a
 * page or script renamed to .jpg is refused rather than stored as a photo.
 * Signatures: ISO/IEC 10918-1, RFC 2083 §3.1, Google WebP container spec,
 * ISO 32000-1 §7.5.2.
 */
export function hasSignatureOf(bytes: Uint8Array, contentType: AttachmentContentType): boolean {
  const at = (offset: number, sig: readonly number[]) => sig.every((b, i) => bytes[offset + i] === b);
  switch (contentType) {
    case 'image/jpeg':
      return at(0, [0xff, 0xd8, 0xff]);
    case 'image/png':
      return at(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    case 'image/webp':
      return at(0, [0x52, 0x49, 0x46, 0x46]) && at(8, [0x57, 0x45, 0x42, 0x50]);
    case 'application/pdf':
      return at(0, [0x25, 0x50, 0x44, 0x46, 0x2d]);
  }
}
