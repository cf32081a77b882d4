import { setFlagsFromString } from 'node:v8';

/**
 * Keeps V8's young generation at its starting size. By default it doubles, up to 16 MB per
 * semi-space, whenever much survives a scavenge, as it does while 200 schools are read, checked
 * and scheduled; a daemon then idles for hours on pages it no longer needs (30 MB of its resident
 * memory with 200 schools). `--max-semi-space-size` works only on Node's command line, which a
 * user's unit or shell may not give; the growth factor is read at each growth, so setting it
 * here, before the work, is enough. The cost, more scavenges, was not measurable in CPU time.
 */
export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
