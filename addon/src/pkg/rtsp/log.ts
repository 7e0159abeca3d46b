/**
 * What the connection and the client log through: debug lines about a peer's misbehaviour (a response
 * nobody asked for, skipped garbage, an unanswered TEARDOWN). The module passes its pino child logger;
 * pkg code imports no logging library and never decides levels.
 */
export interface RtspLogger {
  debug(fields: object, message: string): void;
}
