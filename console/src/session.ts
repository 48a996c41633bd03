/**
 * The signed-in principal's credentials, kept in this tab's sessionStorage only: gone when the tab closes, never
 * sent anywhere but in SigV4 signatures to this origin.
 */
export interface Session {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

const KEY = "iot-console-session";

/** A session read back from storage, or undefined when absent or not of the expected shape. */
export function parseSession(text: string | null): Session | undefined {
  if (text === null) return undefined;
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    const { accessKeyId, secretAccessKey, region } = value;
    if (typeof accessKeyId !== "string" || typeof secretAccessKey !== "string" || typeof region !== "string") return undefined;
    return validSession({ accessKeyId, secretAccessKey, region }) ? { accessKeyId, secretAccessKey, region } : undefined;
  } catch {
    return undefined;
  }
}

export const validSession = (s: Session): boolean => s.accessKeyId.trim() !== "" && s.secretAccessKey !== "" && /^[a-z0-9-]{1,32}$/.test(s.region);

export interface SessionStorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export const loadSession = (storage: SessionStorageLike): Session | undefined => parseSession(storage.getItem(KEY));
export const saveSession = (storage: SessionStorageLike, session: Session): void => storage.setItem(KEY, JSON.stringify(session));
export const clearSession = (storage: SessionStorageLike): void => storage.removeItem(KEY);
