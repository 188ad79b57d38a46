/**
 * Persistent storage: a browser that runs low on disk may clear a site's data unless the site's
 * storage is persistent. The page asks on a dataset's first ingest and when the person presses
 * "Keep data when disk is low"; browsers grant it by their own rules (Chromium silently, from how
 * the site is used; Firefox asks the person). Null where the browser has no such setting.
 */

export async function isPersisted(): Promise<boolean | null> {
  if (typeof navigator === 'undefined' || !navigator.storage?.persisted) return null;
  return navigator.storage.persisted().catch(() => null);
}

/** Asks for persistent storage; whether this site's storage is persistent now. */
export async function requestPersistence(): Promise<boolean | null> {
  if (typeof navigator === 'undefined' || !navigator.storage?.persist) return null;
  return navigator.storage.persist().catch(() => isPersisted());
}
