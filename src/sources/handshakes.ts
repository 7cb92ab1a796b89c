/**
 * Slack's `url_verification` handshake: when an Events API URL is saved, Slack posts a signed
 * `{"type":"url_verification","challenge":"..."}` and expects the challenge back. It is answered only
 * after the signature verified, and is never queued as a delivery.
 * @returns the challenge to echo, or null when `payload` is not such a handshake
 * @see https://api.slack.com/events/url_verification
 */
export function slackChallenge(payload: unknown): string | null {
  if (typeof payload !== "object" || payload === null) return null;
  const { type: kind, challenge } = payload as { type?: unknown; challenge?: unknown };
  if (kind !== "url_verification" || typeof challenge !== "string") return null;
  return challenge;
}

/** Longest challenge echoed by the GET handshake; senders use short random tokens. */
const MAX_CHALLENGE_CHARS = 512;

/**
 * The generic GET echo handshake: senders that check a URL before delivering to it send
 * `GET <url>?<param>=<token>` and expect `<token>` back as the body. Only token characters are echoed
 * (letters, digits and `._~+/=:-`, as text/plain with nosniff), so the handshake cannot reflect markup.
 * @returns the token to echo, or null when it is missing or not acceptable
 */
export function echoChallenge(url: string, param: string): string | null {
  const value = new URL(url).searchParams.get(param);
  if (value === null || value.length > MAX_CHALLENGE_CHARS || !/^[A-Za-z0-9._~+/=:-]+$/.test(value))
    return null;
  return value;
}
