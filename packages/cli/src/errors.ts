/** An error meant for the person at the terminal: printed as is, with this exit code. */
export class CliError extends Error {
  constructor(message: string, readonly code = 1) { super(message); }
}
