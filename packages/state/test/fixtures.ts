// Reads the JSON the live-kernel probes in packages/oracle-probes-algo recorded.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function fixture<T>(name: string): T {
  const url = new URL(`../../oracle-probes-algo/fixtures/${name}`, import.meta.url);
  return JSON.parse(readFileSync(fileURLToPath(url), 'utf8')) as T;
}
