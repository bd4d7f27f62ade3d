import { describe, expect, it } from 'vitest';
import { preparePhoto } from './portal-messages.service';

/** The photo a patient attaches is checked on the device the way the server checks it (type from the bytes, size). */
describe('preparePhoto', () => {
  const PNG = Uint8Array.from(Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64'));

  it('sends a PNG as it is, typed from its bytes whatever the file says', async () => {
    const photo = await preparePhoto(new Blob([PNG], { type: 'image/gif' }));
    expect(photo).toEqual({ data: Buffer.from(PNG).toString('base64'), size: PNG.length, contentType: 'image/png' });
  });

  it('refuses what is no JPEG or PNG and cannot be made one here, and a photo over the limit', async () => {
    await expect(preparePhoto(new Blob(['<svg onload="alert(1)"/>'], { type: 'image/png' }))).rejects.toThrow('Only JPEG or PNG photos can be sent.');
    const big = new Uint8Array(3 * 1024 * 1024 + 1);
    big.set([0xff, 0xd8, 0xff, 0xe0]);
    await expect(preparePhoto(new Blob([big], { type: 'image/jpeg' }))).rejects.toThrow('Photos up to 3 MB can be sent.');
  });
});
