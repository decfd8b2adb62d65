const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a client-supplied id can be a UUID; anything else cannot name a stored row. */
export function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}

/** GUIDs compare case-insensitively; the database stores them lower case. */
export function normalizeUuid(value: string): string {
  return value.trim().toLowerCase();
}
