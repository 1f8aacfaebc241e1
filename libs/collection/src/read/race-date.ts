import { Transform } from 'class-transformer';
import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';

const COMPACT = /^(\d{4})(\d{2})(\d{2})$/;
const DASHED = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** `YYYYMMDD` (the KRA form) or `YYYY-MM-DD` as `YYYY-MM-DD` when it is a real calendar date, else null. */
export function normaliseRaceDate(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const match = COMPACT.exec(value) ?? DASHED.exec(value);
  if (!match) return null;
  const [, year, month, day] = match;
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  // Date.UTC rolls 2025-02-30 over to March 2: a round trip exposes dates that do not exist.
  const iso = `${year}-${month}-${day}`;
  return date.toISOString().slice(0, 10) === iso ? iso : null;
}

/** Days from `from` to `to` (both `YYYY-MM-DD`); negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

export const RACE_DATE_REASON = 'must be a real calendar date as YYYYMMDD or YYYY-MM-DD';

/**
 * A race date query or path field: normalised to `YYYY-MM-DD` when valid, left as sent otherwise
 * so that the validator below reports it.
 */
export function RaceDate(options: ValidationOptions = {}): PropertyDecorator {
  return (target, propertyKey) => {
    Transform(({ value }: { value: unknown }) => normaliseRaceDate(value) ?? value)(target, propertyKey);
    registerDecorator({
      name: 'isRaceDate',
      target: target.constructor,
      propertyName: propertyKey as string,
      options: { message: (args: ValidationArguments) => `${args.property} ${RACE_DATE_REASON}`, ...options },
      validator: { validate: (value: unknown) => typeof value === 'string' && normaliseRaceDate(value) === value },
    });
  };
}

/** Longest `from`..`to` span, both days included: a leap year fits. */
export const MAX_RANGE_DAYS = 366;

/** On `to`: not before `from` and at most `maxDays` days from it, both included. Invalid dates are left to `@RaceDate()`. */
export function WithinRangeOf(fromProperty: string, maxDays = MAX_RANGE_DAYS): PropertyDecorator {
  const problem = (args: ValidationArguments): string | null => {
    const from = (args.object as Record<string, unknown>)[fromProperty];
    const to: unknown = args.value;
    if (typeof from !== 'string' || typeof to !== 'string' || !normaliseRaceDate(from) || !normaliseRaceDate(to))
      return null;
    const days = daysBetween(from, to);
    if (days < 0) return `${args.property} must not be before ${fromProperty}`;
    if (days + 1 > maxDays) return `${fromProperty}..${args.property} may span at most ${maxDays} days`;
    return null;
  };
  return (target, propertyKey) =>
    registerDecorator({
      name: 'withinRangeOf',
      target: target.constructor,
      propertyName: propertyKey as string,
      constraints: [fromProperty],
      options: { message: (args: ValidationArguments) => problem(args) ?? 'invalid range' },
      validator: { validate: (_value: unknown, args?: ValidationArguments) => !args || problem(args) === null },
    });
}
