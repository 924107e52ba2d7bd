/**
 * What a sink says when points are finally lost — rejected by the destination
 * or expired before they could be sent — so an operator can be alerted. The
 * sink has already logged and counted the loss; a reporter must not throw.
 *
 * @module
 */

export interface Loss {
  sink: string;
  decision: "dropped" | "expired";
  points: number;
  /** One line: the HTTP status and body, or why the points expired. */
  reason: string;
}

export interface LossReporter {
  lost(loss: Loss): void;
}
