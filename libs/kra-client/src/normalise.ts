import { toKstIso } from '@app/calendar';
import type { RawValue } from './kra-services';

/** Meet codes: 1 Seoul, 2 Jeju, 3 Busan-Gyeongnam, 4 Yeongcheon (accepted as data only). */
export type MeetCode = 1 | 2 | 3 | 4;

const MEET_NAMES: Record<string, MeetCode> = {
  서울: 1,
  seoul: 1,
  제주: 2,
  jeju: 2,
  부경: 3,
  부산경남: 3,
  부산: 3,
  busan: 3,
  영천: 4,
  yeongcheon: 4,
};

export function meetCode(value: RawValue | undefined): MeetCode | null {
  const text = text0(value);
  if (text === null) return null;
  if (/^[1-4]$/.test(text)) return Number(text) as MeetCode;
  return MEET_NAMES[text.toLowerCase()] ?? null;
}

/** A trimmed string, or null for the gateway's "none" markers ("-", empty). */
export function text0(value: RawValue | undefined | null): string | null {
  if (value === undefined || value === null) return null;
  const text = String(value).trim();
  return text === '' || text === '-' ? null : text;
}

/** A number from JSON numbers or XML text ("1,234" included); null for "-", empty or garbage. */
export function num(value: RawValue | undefined | null): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  const text = text0(value);
  if (text === null) return null;
  const parsed = Number(text.replace(/,/g, ''));
  return Number.isFinite(parsed) ? parsed : null;
}

const ID_WIDTHS = { horse: 7, jockey: 6, trainer: 6, owner: 6 } as const;

/** Identifiers stay strings with their leading zeros, even when JSON sent them as numbers. */
export function kraId(value: RawValue | undefined, kind: keyof typeof ID_WIDTHS): string | null {
  const text = text0(value);
  if (text === null) return null;
  return typeof value === 'number' && kind !== 'owner' ? text.padStart(ID_WIDTHS[kind], '0') : text;
}

/** 20250523 / "20250523" → "2025-05-23". */
export function raceDate(value: RawValue | undefined): string | null {
  const text = text0(value);
  if (text === null || !/^\d{8}$/.test(text)) return null;
  return `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}`;
}

/**
 * "511(+2)" → 511 kg, +2 since the last start; "511()" → 511 kg, change unknown (a first start, or
 * no earlier weight); "0()" → unknown (not weighed yet: the weigh-in is on race day).
 */
export function bodyWeight(value: RawValue | undefined): { kg: number | null; change: number | null } {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:\(\s*([+-]?\d+(?:\.\d+)?)?\s*\))?\s*$/.exec(text0(value) ?? '');
  if (!match || Number(match[1]) === 0) return { kg: null, change: null };
  return { kg: Number(match[1]), change: match[2] === undefined ? null : Number(match[2]) };
}

/** "건조 (2%)" → going 건조, moisture 2 %. */
export function trackCondition(value: RawValue | undefined): { going: string | null; moisturePercent: number | null } {
  const text = text0(value);
  if (text === null) return { going: null, moisturePercent: null };
  const match = /^(.*?)\s*\(\s*(\d+(?:\.\d+)?)\s*%\s*\)\s*$/.exec(text);
  return match
    ? { going: match[1].trim() || null, moisturePercent: Number(match[2]) }
    : { going: text, moisturePercent: null };
}

/**
 * A start time as an ISO timestamp in Asia/Seoul ("2025-05-23T10:35:00+09:00"), from any of the
 * gateway's forms: ISO with offset (API299), "출발 :10:35" (API26_2), "1035" or "10:35" (API72_2).
 */
export function startTime(date: string | null, value: RawValue | undefined): string | null {
  const text = text0(value);
  if (text === null) return null;
  if (/^\d{4}-\d{2}-\d{2}T/.test(text)) {
    const instant = new Date(text);
    if (Number.isNaN(instant.getTime())) return null;
    return toKstIso(instant);
  }
  if (date === null) return null;
  const match = /(\d{1,2})\s*:?\s*(\d{2})\s*$/.exec(text.replace(/^\D+/, ''));
  if (!match) return null;
  const [hours, minutes] = [Number(match[1]), Number(match[2])];
  if (hours > 23 || minutes > 59) return null;
  return `${date}T${String(hours).padStart(2, '0')}:${match[2]}:00+09:00`;
}

export type FinishStatus = 'finished' | 'disqualified' | 'pulled_up' | 'excluded' | 'scratched' | 'void' | 'cancelled';

const SPECIAL_ORDS: Record<number, FinishStatus> = {
  91: 'disqualified',
  92: 'pulled_up',
  93: 'excluded',
  94: 'excluded',
  95: 'scratched',
  98: 'void',
  99: 'cancelled',
};

/**
 * `ord` and `winOdds` → a finishing position and status. 91–99 are statuses, not positions;
 * win odds of 0 also mark a scratch; ord 0 means no result yet.
 */
export function finish(
  ord: RawValue | undefined,
  winOdds?: RawValue,
): { position: number | null; status: FinishStatus | null } {
  const code = num(ord);
  if (code !== null && SPECIAL_ORDS[code]) return { position: null, status: SPECIAL_ORDS[code] };
  if (num(winOdds) === 0 && (code === null || code === 0)) return { position: null, status: 'scratched' };
  if (code === null || code <= 0) return { position: null, status: null };
  return { position: code, status: 'finished' };
}

/** A dividend of 9999.9 means no sale or a capped pool, not a payout. */
export function payout(odds: RawValue | undefined): { payout: number | null; noPayout: boolean } {
  const value = num(odds);
  if (value === null || value >= 9999.9) return { payout: null, noPayout: true };
  return { payout: value, noPayout: false };
}
