/**
 * The .pth importer's errors and its allocation budget. Every malformed or hostile checkpoint ends in a
 * PthFormatError (ZipFormatError and PickleError are kinds of it) whose message names the problem.
 */
export class PthFormatError extends Error {
  override readonly name: string = 'PthFormatError';
}

/**
 * How many bytes the importer may inflate and allocate for one checkpoint, as a multiple of the file's
 * size. torch.save stores entries uncompressed, so a real checkpoint needs about 1x (2x for float16 weights
 * read as float32); deflate expands up to ~1000x, which is what a zip bomb relies on.
 */
export const EXPANSION = 32;

/** A running total of the bytes inflated or allocated for one file; throws before the limit is passed. */
export class ByteBudget {
  #left: number;

  constructor(readonly limit: number) {
    this.#left = limit;
  }

  static forFile(fileBytes: number): ByteBudget {
    return new ByteBudget(EXPANSION * fileBytes);
  }

  /** Reserves `bytes` for `what` (call it before allocating), or throws an `errorClass` naming it. */
  take(bytes: number, what: string, errorClass: new (message: string) => PthFormatError = PthFormatError): void {
    if (!(bytes <= this.#left)) {
      throw new errorClass(`${what} needs ${bytes} bytes, over the budget of ${this.limit} bytes (${EXPANSION} x the file size; ${this.#left} left)`);
    }
    this.#left -= bytes;
  }
}
