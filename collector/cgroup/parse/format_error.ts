/**
 * The error a cgroup file parser throws when the text is not in the kernel's
 * format; the file reader turns it into one line naming the file.
 *
 * @module
 */

export class FormatError extends Error {
  override name = "FormatError";
}
