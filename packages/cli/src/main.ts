#!/usr/bin/env -S npx tsx
// bpfsim: the command line. Errors are for people: a message and an exit code, never a stack trace
// (set BPFSIM_DEBUG=1 to see one).
import { runCommand } from './run.ts';
import { CliError } from './errors.ts';
import { traceCommand, TRACE_COMMANDS, TRACE_USAGE } from './trace-commands.ts';
import { CHECK_USAGE, DIFFUZZ_USAGE } from './oracle-usage.ts';
import { FUZZ_USAGE } from './fuzz.ts';
import { noPretenuring } from '@bpfsim/replay';

// Before anything is folded (see packages/replay/src/gc-tuning.ts): the fold's short-lived
// states otherwise end up in V8's old generation, slowing every minor collection.
noPretenuring();

const USAGE = `usage: bpfsim <command> [options]

commands:
  run FILE      fold a scenario (JSON array, {"events": [...]}, or JSON Lines of events),
                print each event's result, then the final state as bpftool prints it
                  --quiet        print only the final state
                  --json         print results and state as JSON
${TRACE_USAGE}
${CHECK_USAGE}
${DIFFUZZ_USAGE}
${FUZZ_USAGE}
  help          this text`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if ((TRACE_COMMANDS as readonly (string | undefined)[]).includes(cmd)) return traceCommand(cmd!, rest);
  switch (cmd) {
    case 'run': return runCommand(rest);
    case 'check': return (await import('./check.ts')).checkCommand(rest);
    case 'diffuzz': return (await import('./diffuzz.ts')).diffuzzCommand(rest);
    case 'fuzz': return (await import('./fuzz.ts')).fuzzCommand(rest);
    case undefined: case 'help': case '--help': case '-h':
      process.stdout.write(USAGE + '\n');
      return cmd === undefined ? 2 : 0;
    default:
      throw new CliError(`unknown command ${JSON.stringify(cmd)}\n${USAGE}`, 2);
  }
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: unknown) => {
  if (e instanceof CliError) { process.stderr.write(`bpfsim: ${e.message}\n`); process.exitCode = e.code; return; }
  if (process.env.BPFSIM_DEBUG) console.error(e);
  process.stderr.write(`bpfsim: internal error: ${(e as Error)?.message ?? String(e)} (set BPFSIM_DEBUG=1 for details)\n`);
  process.exitCode = 70;
});
