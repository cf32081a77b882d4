/**
 * A bounded number of places, taken in the order asked (first come, first served): with many
 * schools, at most `size` checks run at once, and a school that waits is never overtaken again and
 * again by others. Each place is held for at most one check, which its own checkTimeout bounds
 * (and the wait for a send in flight after it, check/watchdog.ts).
 */
export interface Pool {
  run<T>(work: () => Promise<T>): Promise<T>;
}

export function createPool(size: number): Pool {
  let free = Math.max(1, Math.floor(size));
  const waiting: (() => void)[] = [];
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else free += 1;
  };
  return {
    async run<T>(work: () => Promise<T>): Promise<T> {
      if (free > 0) free -= 1;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await work();
      } finally {
        release();
      }
    },
  };
}
