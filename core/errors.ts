// Typed errors shared by every folder. Callers branch on the class, never on message text.

export class HotlineError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ConfigError extends HotlineError {}

/** Something a user sent was wrong; the message says what, in words the user understands. */
export class BadRequest extends HotlineError {
  readonly statusCode = 400;
}
export class Unauthorized extends HotlineError {
  readonly statusCode = 401;
}
export class Forbidden extends HotlineError {
  readonly statusCode = 403;
}
export class NotFound extends HotlineError {
  readonly statusCode = 404;
}
export class Conflict extends HotlineError {
  readonly statusCode = 409;
}
/** What was sent is larger than allowed (an upload over its size limit). */
export class PayloadTooLarge extends HotlineError {
  readonly statusCode = 413;
}
/** What was sent is of a type not taken here (an upload that is not a photo or a PDF). */
export class UnsupportedMediaType extends HotlineError {
  readonly statusCode = 415;
}

// Call-control errors: the ARI adapter maps Asterisk's answers to these, once.
/** The channel hung up or no longer exists. */
export class ChannelGone extends HotlineError {}
/** An operation did not finish in its time limit. */
export class Timeout extends HotlineError {}
/** The PBX is not reachable right now (connection lost, reconnecting). */
export class PbxUnavailable extends HotlineError {}
/** Asterisk could not create a channel (endpoint unreachable, unknown, congested). */
export class OriginateFailed extends HotlineError {}
/** Anything else Asterisk refused. */
export class PbxError extends HotlineError {}
