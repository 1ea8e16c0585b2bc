// A value that must never reach a log, a state file, JSON output or a test snapshot by accident.
// Every way Node turns an object into text prints "(set)"; only reveal() gives the value.

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');
export const REDACTED = '(set)';

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspectSymbol](): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }
}
