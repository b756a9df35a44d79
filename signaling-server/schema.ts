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
export function checkKeys(obj: Record<string, unknown>, allowed: readonly string[], what = `"${String(obj.type)}" message`): string | null {
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
