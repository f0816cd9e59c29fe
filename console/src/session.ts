// The signed-in API key lives in sessionStorage: it is gone when the tab
// closes, is never put in a URL, and is sent only as the Authorization
// header of the console's own API calls.

const storageKey = "hermes.console.apiKey";

export function storedKey(): string | undefined {
  return sessionStorage.getItem(storageKey) ?? undefined;
}

export function keepKey(key: string): void {
  sessionStorage.setItem(storageKey, key);
}

export function forgetKey(): void {
  sessionStorage.removeItem(storageKey);
}
