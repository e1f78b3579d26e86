/**
 * Errors typed by meaning. A {@link InputError} is something the user can fix
 * (a bad file, a bad option): the CLI prints its message alone and exits 2.
 * Anything else is an internal error (exit 1).
 *
 * @module
 */

/** A problem with what the user gave us: a file, an option, a request. */
export class InputError extends Error {
  override name = "InputError";
  /** The input the problem is about (a file name, an option name). */
  readonly input: string;
  constructor(input: string, problem: string) {
    super(`${input}: ${problem}`);
    this.input = input;
  }
}

/** A frame that could not be registered (blank, no overlap, diverged). */
export class RegistrationError extends Error {
  override name = "RegistrationError";
  readonly frame: number;
  constructor(frame: number, problem: string) {
    super(`Cannot register frame ${frame}: ${problem}`);
    this.frame = frame;
  }
}

/** True when `e` is a user error (exit code 2), by class or by name across a worker boundary. */
export function isInputError(e: unknown): boolean {
  return e instanceof InputError || e instanceof RegistrationError ||
    (typeof e === "object" && e !== null &&
      ["InputError", "RegistrationError"].includes((e as { name?: string }).name ?? ""));
}
