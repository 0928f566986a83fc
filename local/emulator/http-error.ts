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

/**
 * A redirect, as Bitbucket answers some reads: GET …/pullrequests/{id}/diffstat is documented only as a 302 to the
 * repository diffstat of the pull request's commits (OpenAPI: "Redirects to the repository diffstat with the revspec
 * that corresponds to pull request").
 */
export class Redirect {
  constructor(readonly location: string) {}
}
