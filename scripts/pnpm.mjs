// Runs the pinned pnpm through npx, so a fresh machine needs only Node 20 and npm.
import { spawnSync } from 'node:child_process';
const r = spawnSync('npx', ['--yes', 'pnpm@9.15.9', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
