// Errors about one field of the event being run; the session adds the event index.
export class FieldError extends Error {
  constructor(readonly path: string, message: string) {
    super(message);
  }
}
