/**
 * Waiting, one way for both programs and their tests: {@link delay} (a timer
 * that a signal ends early), {@link deadline} (a promise with a time limit),
 * {@link abortable} and {@link untilAborted} (promises and abort signals).
 * Every timer here is `delay`'s, so one fake clock drives them all.
 *
 * @module
 */
export { abortable, untilAborted } from "./abortable.ts";
export { deadline } from "./deadline.ts";
export { delay, type DelayOptions } from "./delay.ts";
