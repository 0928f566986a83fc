/** An answer other than 200, as Bitbucket gives it: a status, a message and an optional detail (render.errorBody). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}
