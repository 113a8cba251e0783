import { useEffect, useState } from "preact/hooks";
import { ApiError, me, signInURL, type Me } from "../api";

/**
 * UserMenu shows who is signed in, with a sign-out button, when the server signs people in; a sign-in
 * link when it refuses the browser (401 with a login URL); nothing on a server without authentication.
 */
export function UserMenu({ path }: { path: string }) {
  const [who, setWho] = useState<Me | null>(null);
  const [loginUrl, setLoginUrl] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    me().then(
      (m) => live && (setWho(m), setLoginUrl(null)),
      (e) =>
        live &&
        e instanceof ApiError &&
        e.status === 401 &&
        e.loginUrl &&
        (setWho(null), setLoginUrl(e.loginUrl)),
    );
    return () => {
      live = false;
    };
  }, []);
  if (loginUrl)
    return (
      <a class="button user" href={signInURL(loginUrl)} data-testid="user-sign-in" key={path}>
        Sign in
      </a>
    );
  if (!who || who.auth === "anonymous") return null;
  return (
    <span class="user" data-testid="user" title={`${who.subject} (${who.issuer ?? who.auth})`}>
      <span data-testid="user-name">{who.name}</span>
      {who.admin && <span class="badge">admin</span>}
      {who.sign_out && (
        <form method="post" action="/auth/logout">
          <button type="submit" data-testid="sign-out">
            Sign out
          </button>
        </form>
      )}
    </span>
  );
}
