import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';

/**
 * A tiny PNG reader for the print-layout test (8-bit grey, RGB or RGBA, not interlaced: what
 * pdftoppm writes), so that no image library is needed. RFC 2083 / PNG spec 1.2.
 */
export interface Gray {
  width: number;
  height: number;
  /** The luminance of each pixel (0 black, 255 white), row by row. */
  pixels: Uint8Array;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

export function readPng(file: string): Gray {
  const buf = readFileSync(file);
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (offset < buf.length) {
    const length = buf.readUInt32BE(offset);
    const type = buf.toString('latin1', offset + 4, offset + 8);
    const data = buf.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [depth, colour, , , interlace] = [data[8], data[9], data[10], data[11], data[12]];
      channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colour ?? -1] ?? 0;
      if (depth !== 8 || channels === 0 || interlace !== 0) throw new Error('unsupported PNG');
    } else if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y += 1) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x += 1) {
      const value = raw[y * (stride + 1) + 1 + x] as number;
      const a = x >= channels ? (out[y * stride + x - channels] as number) : 0;
      const b = y > 0 ? (out[(y - 1) * stride + x] as number) : 0;
      const c = x >= channels && y > 0 ? (out[(y - 1) * stride + x - channels] as number) : 0;
      const add =
        filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : filter === 4 ? paeth(a, b, c) : 0;
      out[y * stride + x] = (value + add) & 0xff;
    }
  }
  const pixels = new Uint8Array(width * height);
  for (let i = 0; i < width * height; i += 1) {
    const base = i * channels;
    pixels[i] =
      channels >= 3
        ? Math.round(((out[base] as number) + (out[base + 1] as number) + (out[base + 2] as number)) / 3)
        : (out[base] as number);
  }
  return { width, height, pixels };
}

/** The share of pixel rows with anything darker than near-white on them: how full a page is. */
export function inkedRowShare(image: Gray, threshold = 235): number {
  let inked = 0;
  for (let y = 0; y < image.height; y += 1) {
    for (let x = 0; x < image.width; x += 1) {
      if ((image.pixels[y * image.width + x] as number) < threshold) {
        inked += 1;
        break;
      }
    }
  }
  return inked / image.height;
}

/**
 * How far down the page the content reaches, as a share of the page height, ignoring the bottom
 * `footerShare` of the page where the running footer and page number sit.
 */
export function contentExtent(image: Gray, footerShare: number, threshold = 235): number {
  const limit = Math.floor(image.height * (1 - footerShare));
  for (let y = limit - 1; y >= 0; y -= 1) {
    for (let x = 0; x < image.width; x += 1) {
      if ((image.pixels[y * image.width + x] as number) < threshold) return (y + 1) / image.height;
    }
  }
  return 0;
}
