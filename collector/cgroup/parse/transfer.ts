/**
 * The totals every block I/O source reduces to: bytes or operations read and
 * written, summed over all devices.
 *
 * @module
 */

export interface Transfer {
  read: bigint;
  write: bigint;
}
