/** Work stopped because its client went away before the answer: nobody reads the answer, and no server fault. */
export class ClientGoneError extends Error {
  override readonly name = 'ClientGoneError';

  constructor() {
    super('the client went away before its answer');
  }
}
