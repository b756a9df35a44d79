/**
 * The small guards every message validator is built from. Each returns an error sentence or null, so
 * validators chain them with `??` and the first problem found is the one reported.
 */

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function checkString(obj: Record<string, unknown>, key: string, max: number, min = 1): string | null {
  const v = obj[key];
  if (typeof v !== 'string') return `"${key}" must be a string`;
  if (v.length < min || v.length > max) return `"${key}" must be ${min}..${max} characters long`;
  return null;
}

/** Rejects keys the schema does not know, so that typos surface instead of being ignored. */
export function checkKeys(obj: Record<string, unknown>, allowed: readonly string[], what = typeof obj.type === 'string' ? `"${obj.type.slice(0, 32)}" message` : 'message'): string | null {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) return `unknown field "${key}" in ${what}`;
  }
  return null;
}

export function checkInt(obj: Record<string, unknown>, key: string, min: number, max: number): string | null {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) return `"${key}" must be an integer in ${min}..${max}`;
  return null;
}

/** An array of 1..max (or 0..max) plain objects; their inner fields are checked by the caller or the media server. */
export function checkObjectArray(obj: Record<string, unknown>, key: string, max: number, min = 0): string | null {
  const v = obj[key];
  if (!Array.isArray(v) || v.length < min || v.length > max) return `"${key}" must be an array of ${min}..${max} objects`;
  if (!v.every(isRecord)) return `every entry of "${key}" must be an object`;
  return null;
}

/** What a value is, for error messages: never the value itself (it is attacker input, of any size or depth). */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length} items`;
  if (typeof v === 'string') return `a string of ${v.length} characters`;
  if (v === undefined) return 'undefined';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Whether a decoded value nests arrays/objects deeper than `max` levels. Iterative: no recursion for the input to exhaust. */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (typeof v !== 'object' || v === null) continue;
    if (depth + 1 > max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Whether JSON text nests arrays/objects deeper than `max` levels, by counting brackets outside strings.
 * Runs before JSON.parse so that no deep structure is ever built; malformed text is left to JSON.parse.
 */
export function jsonTextNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}
