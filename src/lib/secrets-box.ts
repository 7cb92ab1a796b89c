import { fromBase64Strict, toBase64, utf8 } from "./encoding";

/**
 * Encryption at rest for source secrets: AES-256-GCM with a random 96-bit IV per value, key from the
 * `SECRETS_KEY` Worker secret (base64 of 32 bytes). Stored form: `v1.<iv b64>.<ciphertext b64>`.
 * @see https://developer.mozilla.org/en-US/docs/Web/API/SubtleCrypto/encrypt#aes-gcm
 */
export class SecretsBox {
  private constructor(private readonly key: CryptoKey) {}

  /** @throws Error when `keyBase64` is missing or not base64 of exactly 32 bytes. */
  static async fromEnv(keyBase64: string | undefined): Promise<SecretsBox> {
    const raw = keyBase64 ? fromBase64Strict(keyBase64.trim()) : null;
    if (raw?.length !== 32) throw new Error("SECRETS_KEY must be base64 of 32 bytes");
    const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
    return new SecretsBox(key);
  }

  /** Encrypts `plaintext` (UTF-8) into the stored form. */
  async seal(plaintext: string): Promise<string> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, this.key, utf8(plaintext));
    return `v1.${toBase64(iv)}.${toBase64(sealed)}`;
  }

  /** Decrypts a value made by {@link seal}. @throws Error when tampered or sealed with another key. */
  async open(stored: string): Promise<string> {
    const [version, ivText, dataText] = stored.split(".");
    const iv = ivText ? fromBase64Strict(ivText) : null;
    const data = dataText ? fromBase64Strict(dataText) : null;
    if (version !== "v1" || !iv || !data) throw new Error("sealed secret has an unknown format");
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv }, this.key, data);
    return new TextDecoder().decode(plain);
  }
}
