// The in-thread ask pattern: a message carries its own resolve/reject, so an actor can answer after an async commit
// without blocking its mailbox, and a caller can await it.
export interface Reply<T> {
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/** Sends a message built around a fresh Reply and returns the promise of the answer. */
export function ask<T>(send: (reply: Reply<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => send({ resolve, reject }));
}
