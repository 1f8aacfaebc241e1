import { BadRequestException } from '@nestjs/common';
import type { FieldProblem } from './error-body';

/** Deeper than any body the API takes (the deepest is a few levels): refused before it is parsed. */
export const MAX_BODY_DEPTH = 32;

/** Keys that reach object prototypes through careless code; no body of the API uses them. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** C0 control characters and DEL: never part of a name, a date or an id. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

function codePoint(text: string): string {
  const match = CONTROL_CHARACTER.exec(text);
  return match ? `U+${match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}` : '';
}

/** How deep arrays and objects nest in a JSON text, without parsing it (strings skipped). */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c)
        i += 1; // backslash: skip the escaped character
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) {
      inString = true;
    } else if (char === 0x7b || char === 0x5b) {
      depth += 1;
      if (depth > deepest) deepest = depth;
    } else if (char === 0x7d || char === 0x5d) {
      depth -= 1;
    }
  }
  return deepest;
}

const fieldPath = (parent: string, key: string | number): string =>
  typeof key === 'number' ? `${parent}[${key}]` : parent ? `${parent}.${key}` : key;

/** Reserved keys and control characters anywhere in a parsed body, by field path. Iterative: depth is bounded anyway. */
function bodyProblems(body: unknown): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const stack: { value: unknown; path: string }[] = [{ value: body, path: '' }];
  while (stack.length > 0) {
    const { value, path } = stack.pop() as { value: unknown; path: string };
    if (typeof value === 'string') {
      if (CONTROL_CHARACTER.test(value))
        problems.push({ field: path || 'body', reason: `must not contain control characters (${codePoint(value)})` });
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => stack.push({ value: item, path: fieldPath(path, index) }));
    } else if (typeof value === 'object' && value !== null) {
      for (const key of Object.keys(value)) {
        const field = fieldPath(path, key);
        if (RESERVED_KEYS.has(key)) problems.push({ field, reason: `"${key}" is a reserved name, not a field` });
        else if (CONTROL_CHARACTER.test(key))
          problems.push({
            field: path || 'body',
            reason: `has a field name with control characters (${codePoint(key)})`,
          });
        else stack.push({ value: (value as Record<string, unknown>)[key], path: field });
      }
    }
  }
  return problems.sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
}

/**
 * The API's JSON body parser: refuses, with a 400 naming the field, what would otherwise fail deep
 * inside (a body nested thousands of levels deep overflows the validator's stack; a NUL character
 * reaches PostgreSQL) or slip past validation (`__proto__`, `constructor.prototype`, `prototype`).
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '')
    throw new BadRequestException({
      message: 'Body cannot be empty when content-type is application/json',
      details: [{ field: 'body', reason: 'is empty' }],
    });
  const depth = nestingDepth(text);
  if (depth > MAX_BODY_DEPTH) {
    throw new BadRequestException({
      message: 'Validation failed',
      details: [{ field: 'body', reason: `is nested ${depth} levels deep; at most ${MAX_BODY_DEPTH} are accepted` }],
    });
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    // Only the position: the parser's message quotes the body, which may hold a secret.
    const position = /at position (\d+)/.exec((error as Error).message)?.[1];
    throw new BadRequestException({
      message: 'Malformed JSON body',
      details: [{ field: 'body', reason: `is not valid JSON${position ? ` (at position ${position})` : ''}` }],
    });
  }
  const problems = bodyProblems(body);
  if (problems.length > 0) throw new BadRequestException({ message: 'Validation failed', details: problems });
  return body;
}
