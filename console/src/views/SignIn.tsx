import { useState } from "preact/hooks";
import { type Session, validSession } from "../session";
import { hasWebCrypto } from "../sha256";

/**
 * The principal's access key and secret: kept in this tab's sessionStorage, used to sign every call in the
 * browser. The console has that principal's rights and no other.
 */
export function SignIn({ onSignIn }: { onSignIn: (session: Session) => void }) {
  const [accessKeyId, setAccessKeyId] = useState("");
  const [secretAccessKey, setSecretAccessKey] = useState("");
  const [region, setRegion] = useState("us-east-1");
  const session = { accessKeyId: accessKeyId.trim(), secretAccessKey, region: region.trim() };
  const secure = hasWebCrypto();
  return (
    <div class="signin">
      <form
        class="card"
        onSubmit={(event) => {
          event.preventDefault();
          if (validSession(session)) onSignIn(session);
        }}
      >
        <h1>IoT data plane console</h1>
        <p class="muted">Sign in with an access key. It stays in this browser tab (session storage) and signs every request here.</p>
        <label>
          Access key id
          <input name="accessKeyId" autocomplete="username" value={accessKeyId} onInput={(e) => setAccessKeyId(e.currentTarget.value)} required />
        </label>
        <label>
          Secret access key
          <input
            name="secretAccessKey"
            type="password"
            autocomplete="current-password"
            value={secretAccessKey}
            onInput={(e) => setSecretAccessKey(e.currentTarget.value)}
            required
          />
        </label>
        <label>
          Region
          <input name="region" value={region} onInput={(e) => setRegion(e.currentTarget.value)} required />
        </label>
        {!secure && (
          <p class="error">This page is not in a secure context (https, or http on localhost): the browser offers no Web Crypto to sign with.</p>
        )}
        <button type="submit" class="primary" disabled={!secure || !validSession(session)} data-testid="sign-in">
          Sign in
        </button>
      </form>
    </div>
  );
}
