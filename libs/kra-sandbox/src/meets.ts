import { meetsRacingOn } from '@app/calendar';

/** 1 Seoul, 2 Jeju, 3 Busan-Gyeongnam, 4 Yeongcheon (accepted as a parameter, never scheduled). */
export type MeetCode = 1 | 2 | 3 | 4;

export const ALL_MEETS: readonly MeetCode[] = [1, 2, 3];

/**
 * The gateway names meets differently per endpoint: the race services say "부경" for Busan, the
 * master and summary services "부산경남" (as the captured fixtures show).
 */
export type MeetNameStyle = 'short' | 'long';

const MEET_NAMES: Record<MeetCode, Record<MeetNameStyle, string>> = {
  1: { short: '서울', long: '서울' },
  2: { short: '제주', long: '제주' },
  3: { short: '부경', long: '부산경남' },
  4: { short: '영천', long: '영천' },
};

export function meetName(meet: MeetCode, style: MeetNameStyle): string {
  return MEET_NAMES[meet][style];
}

export function parseMeet(text: string): MeetCode | null {
  return text === '1' || text === '2' || text === '3' || text === '4' ? (Number(text) as MeetCode) : null;
}

/** The meets racing on a date, on the product's calendar (Fri Jeju + Busan, Sat Seoul + Jeju, Sun Seoul + Busan). */
export function scheduledMeets(rcDate: string): MeetCode[] {
  return [...meetsRacingOn(rcDate)] as MeetCode[];
}
