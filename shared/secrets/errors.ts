/** A secret that does not exist (or is empty) where the reader looks. Carries the name, never a value. */
export class SecretNotFoundError extends Error {
  constructor(
    readonly secretName: string,
    where: string,
    options?: { cause?: unknown },
  ) {
    super(`secret "${secretName}" was not found in ${where}`, options);
    this.name = "SecretNotFoundError";
  }
}
