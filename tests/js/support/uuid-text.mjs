// Reading ids back, which only tests need: the app makes ids (pwa/js/uuid.js) and never parses them.

/** Milliseconds since the epoch encoded in a UUIDv7. */
export function uuidv7Millis(id) {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
