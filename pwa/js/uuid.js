// UUIDv7 (RFC 9562) and v4 ids made with crypto.getRandomValues; no DOM, usable in the service worker.

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function defaultRandom(bytes) {
  return globalThis.crypto.getRandomValues(bytes);
}

function toText(b) {
  let s = '';
  for (let i = 0; i < 16; i++) {
    s += HEX[b[i]];
    if (i === 3 || i === 5 || i === 7 || i === 9) s += '-';
  }
  return s;
}

/**
 * Make a UUIDv7 generator. Ids from one generator sort (as text) in the order they were made,
 * even within one millisecond: rand_a is a 12-bit counter seeded randomly each millisecond
 * (RFC 9562 method 1), and a counter overflow borrows the next millisecond.
 * @param {(b: Uint8Array) => Uint8Array} [random]
 * @returns {(nowMs?: number) => string}
 */
export function makeUuidv7(random = defaultRandom) {
  let lastMs = -1;
  let counter = 0;
  return function uuidv7(nowMs = Date.now()) {
    let ms = Math.max(Math.floor(nowMs), lastMs);
    const b = random(new Uint8Array(16));
    if (ms === lastMs) {
      counter += 1;
      if (counter > 0xfff) {
        ms += 1;
        counter = b[6] & 0x07;
      }
    } else {
      // Seed below 0x800 so a burst still has at least 2048 values before overflow.
      counter = ((b[6] & 0x07) << 8) | b[7];
    }
    lastMs = ms;
    b[0] = Math.floor(ms / 2 ** 40) & 0xff;
    b[1] = Math.floor(ms / 2 ** 32) & 0xff;
    b[2] = (ms >>> 24) & 0xff;
    b[3] = (ms >>> 16) & 0xff;
    b[4] = (ms >>> 8) & 0xff;
    b[5] = ms & 0xff;
    b[6] = 0x70 | (counter >>> 8);
    b[7] = counter & 0xff;
    b[8] = 0x80 | (b[8] & 0x3f);
    return toText(b);
  };
}

export const uuidv7 = makeUuidv7();

/** A random (v4) UUID: used for the device id, which should not reveal when it was made. */
export function uuidv4(random = defaultRandom) {
  const b = random(new Uint8Array(16));
  b[6] = 0x40 | (b[6] & 0x0f);
  b[8] = 0x80 | (b[8] & 0x3f);
  return toText(b);
}
