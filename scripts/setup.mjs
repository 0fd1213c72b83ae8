// Installs the workspace (once) with the pinned pnpm and the lockfile.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
if (!existsSync('node_modules/.modules.yaml') || process.env.CI) {
  const args = ['--yes', 'pnpm@9.15.9', 'install', '--frozen-lockfile', '--reporter=append-only'];
  if (!existsSync('pnpm-lock.yaml')) args.splice(3, 1);
  const r = spawnSync('npx', args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
