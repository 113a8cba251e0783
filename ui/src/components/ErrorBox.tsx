import { ApiError, signInURL } from "../api";

/** ErrorBox says what went wrong and what to do, in the page. */
export function ErrorBox({ error, what }: { error: unknown; what?: string }) {
  if (error instanceof ApiError) {
    const title =
      error.status === 0
        ? "The server is unreachable"
        : error.status === 401
          ? "Sign-in required"
          : error.status === 400
            ? "The query was refused"
            : `Error ${error.status}`;
    return (
      <div class="error" role="alert">
        <b>
          {title}
          {what ? ` while loading ${what}` : ""}
        </b>
        <pre>{error.message}</pre>
        <p>{error.hint}</p>
        {error.loginUrl && (
          <a class="button" href={signInURL(error.loginUrl)} data-testid="sign-in">
            Sign in
          </a>
        )}
      </div>
    );
  }
  return (
    <div class="error" role="alert">
      <b>Something went wrong{what ? ` while loading ${what}` : ""}</b>
      <pre>{String((error as Error)?.message ?? error)}</pre>
      <p>Reload the page; if it persists, the browser console has details.</p>
    </div>
  );
}

/** Empty says that there is nothing to show, and why that may be. */
export function Empty({ children }: { children: preact.ComponentChildren }) {
  return <div class="empty">{children}</div>;
}
