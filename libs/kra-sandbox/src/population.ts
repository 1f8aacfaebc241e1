import type { RawValue } from '@app/kra-client';
import { MeetCode, meetName } from './meets';
import { Rng } from './random';

/** The stable cast of a meet: the same seed always yields the same horses, jockeys, trainers, owners. */

export type Sex = '수' | '암' | '거';

export interface Horse {
  hrNo: string; // 7 digits, "0051228"
  hrName: string;
  meet: MeetCode;
  sex: Sex;
  birthday: number; // YYYYMMDD
  name: string; // country of birth
  trNo: string;
  trName: string;
  owNo: number;
  owName: string;
  faHrNo: string;
  faHrName: string;
  moHrNo: string;
  moHrName: string;
  hrLastAmt: string;
  hrTool: string;
  /** Hidden ability: drives odds and finishing order. */
  ability: number;
  bodyWeight: number;
}

export interface Jockey {
  jkNo: string; // 6 digits, "080565"
  jkName: string;
  meet: MeetCode;
  birthday: number;
  debut: number;
  part: string;
  wgPart: number;
  skill: number;
}

export interface Trainer {
  trNo: string; // 6 digits, "070180"
  trName: string;
  meet: MeetCode;
  birthday: number | '-';
  stDate: number;
  part: number;
}

export interface Owner {
  owNo: number; // 6-digit number
  owName: string;
  meet: MeetCode;
}

export interface Population {
  meet: MeetCode;
  horses: Horse[];
  jockeys: Jockey[];
  trainers: Trainer[];
  owners: Owner[];
}

const HORSES_PER_MEET = 600;
const JOCKEYS_PER_MEET = 40;
const TRAINERS_PER_MEET = 35;
const OWNERS_PER_MEET = 200;

// Id ranges chosen clear of the ids in the captured fixtures, so fixture runners never collide.
const HORSE_ID_BASE: Record<MeetCode, number> = { 1: 40_000, 2: 43_000, 3: 55_000, 4: 58_000 };
const JOCKEY_ID_BASE = 80_700;
const TRAINER_ID_BASE = 70_300;
const OWNER_ID_BASE = 130_000;

const SURNAMES = [
  '김',
  '이',
  '박',
  '최',
  '정',
  '강',
  '조',
  '윤',
  '장',
  '임',
  '한',
  '오',
  '서',
  '신',
  '권',
  '황',
  '안',
  '송',
  '류',
  '홍',
  '전',
  '고',
  '문',
  '양',
  '손',
  '배',
  '백',
  '허',
  '유',
  '남',
  '심',
  '노',
  '하',
  '곽',
  '성',
  '차',
  '주',
  '우',
  '구',
  '민',
  '진',
  '지',
  '엄',
  '채',
  '원',
  '천',
  '방',
  '공',
  '현',
  '함',
];
const GIVEN_SYLLABLES = [
  '민',
  '준',
  '서',
  '연',
  '지',
  '현',
  '우',
  '진',
  '성',
  '영',
  '수',
  '호',
  '재',
  '훈',
  '은',
  '정',
  '혜',
  '경',
  '상',
  '도',
  '윤',
  '석',
  '철',
  '광',
  '희',
  '태',
  '동',
  '승',
  '용',
  '근',
  '겸',
  '운',
  '락',
  '혁',
  '규',
  '빈',
  '주',
  '원',
  '기',
  '환',
];
const FOREIGN_JOCKEYS = ['먼로', '다나카', '씨씨', '빅투아르', '코지', '마리오', '라이언', '제이크'];
const FOREIGN_TRAINERS = ['라이스', '토마스', '울즐리', '리카디', '에이스'];
const HORSE_WORDS = [
  '골드',
  '스타',
  '킹',
  '파워',
  '러쉬',
  '블루',
  '썬더',
  '캡틴',
  '드림',
  '레이디',
  '퀸',
  '로열',
  '원더',
  '빅토리',
  '스피드',
  '챔프',
  '라온',
  '한라',
  '미소',
  '바람',
  '천둥',
  '질주',
  '행운',
  '영광',
  '태양',
  '은하',
  '해피',
  '슈퍼',
  '매직',
  '히어로',
  '에이스',
  '톱',
  '그레이트',
  '올라운드',
  '플라잉',
  '다이아',
  '문라이트',
  '선샤인',
  '나이트',
  '퍼펙트',
  '위너',
  '보스',
  '제이드',
  '케이',
  '월드',
  '글로리',
  '크라운',
  '타이거',
  '이글',
  '피닉스',
];
const HORSE_ENDINGS = [
  '',
  '원',
  '킹',
  '퀸',
  '스타',
  '런',
  '걸',
  '보이',
  '맨',
  '투',
  '나라',
  '다',
  '로',
  '온',
  '빛',
  '호',
];
export const COUNTRIES = ['한국', '한국', '한국', '한국', '한국', '한국', '미국', '미국', '호주', '일본', '뉴질랜드'];
export const HORSE_TOOLS = [
  '망사',
  '반가지큰',
  '승인편자+',
  '혀끈-',
  '계란형큰',
  '망사눈',
  '양털코',
  '계란형큰+',
  '망사눈+',
  '혀끈',
  '가지큰',
  '눈가면',
];
const TRAINER_PARTS = 40;

export function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function personName(rng: Rng): string {
  return `${rng.pick(SURNAMES)}${rng.pick(GIVEN_SYLLABLES)}${rng.pick(GIVEN_SYLLABLES)}`;
}

export function horseName(rng: Rng): string {
  const first = rng.pick(HORSE_WORDS);
  const second = rng.chance(0.6) ? rng.pick(HORSE_WORDS) : '';
  return `${first}${second}${second ? '' : rng.pick(HORSE_ENDINGS)}` || first;
}

/** Names are unique within a meet: a repeat gets a suffix, so lookups by name are unambiguous. */
export function uniqueName(candidate: string, used: Set<string>, rng: Rng): string {
  let name = candidate;
  while (used.has(name)) name = `${candidate}${rng.pick(GIVEN_SYLLABLES)}`;
  used.add(name);
  return name;
}

function dateNumber(year: number, rng: Rng): number {
  return year * 10_000 + rng.int(1, 12) * 100 + rng.int(1, 28);
}

export function createPopulation(seed: string, meet: MeetCode): Population {
  const rng = new Rng(seed, 'population', meet);
  const usedPeople = new Set<string>();

  const trainers: Trainer[] = Array.from({ length: TRAINERS_PER_MEET }, (_, i) => ({
    trNo: pad(TRAINER_ID_BASE + (meet - 1) * 100 + i, 6),
    trName: uniqueName(rng.chance(0.08) ? rng.pick(FOREIGN_TRAINERS) : personName(rng), usedPeople, rng),
    meet,
    birthday: rng.chance(0.5) ? dateNumber(rng.int(1960, 1988), rng) : '-',
    stDate: dateNumber(rng.int(2000, 2022), rng),
    part: rng.int(1, TRAINER_PARTS),
  }));

  const jockeys: Jockey[] = Array.from({ length: JOCKEYS_PER_MEET }, (_, i) => {
    const birthYear = rng.int(1975, 2004);
    return {
      jkNo: pad(JOCKEY_ID_BASE + (meet - 1) * 100 + i, 6),
      jkName: uniqueName(rng.chance(0.1) ? rng.pick(FOREIGN_JOCKEYS) : personName(rng), usedPeople, rng),
      meet,
      birthday: dateNumber(birthYear, rng),
      debut: dateNumber(Math.min(birthYear + rng.int(19, 25), 2024), rng),
      part: rng.chance(0.6) ? '프리기수' : '소속기수',
      wgPart: rng.int(49, 54),
      skill: rng.gaussian() * 0.3,
    };
  });

  const owners: Owner[] = Array.from({ length: OWNERS_PER_MEET }, (_, i) => ({
    owNo: OWNER_ID_BASE + (meet - 1) * 1000 + i,
    owName: uniqueName(personName(rng), usedPeople, rng),
    meet,
  }));

  const usedHorseNames = new Set<string>();
  const horses: Horse[] = Array.from({ length: HORSES_PER_MEET }, (_, i) => {
    const trainer = rng.pick(trainers);
    const owner = rng.pick(owners);
    const sex: Sex = rng.pick(['수', '암', '암', '거', '거'] as const);
    return {
      hrNo: pad(HORSE_ID_BASE[meet] + i, 7),
      hrName: uniqueName(horseName(rng), usedHorseNames, rng),
      meet,
      sex,
      // Birth years spread so that roughly the same share of horses is of racing age (2–9) in 2023–2026.
      birthday: dateNumber(rng.int(2015, 2023), rng),
      name: meet === 2 ? '제주' : rng.pick(COUNTRIES),
      trNo: trainer.trNo,
      trName: trainer.trName,
      owNo: owner.owNo,
      owName: owner.owName,
      ...pedigreeAndGear(rng),
      ability: rng.gaussian(),
      bodyWeight: meet === 2 ? rng.int(260, 330) : rng.int(420, 530),
    };
  });

  return { meet, horses, jockeys, trainers, owners };
}

/** A horse's sire and dam, its sale price and its gear, drawn in this order. */
export function pedigreeAndGear(
  rng: Rng,
): Pick<Horse, 'faHrNo' | 'faHrName' | 'moHrNo' | 'moHrName' | 'hrLastAmt' | 'hrTool'> {
  return {
    faHrNo: pad(rng.int(20_000, 39_999), 7),
    faHrName: horseName(rng),
    moHrNo: pad(rng.int(20_000, 39_999), 7),
    moHrName: horseName(rng),
    hrLastAmt: rng.chance(0.6) ? `${(rng.int(5, 99) * 1000).toLocaleString('en-US')}천원(경매)` : '-',
    hrTool: horseTools(rng),
  };
}

export function horseTools(rng: Rng): string {
  return rng.shuffle(HORSE_TOOLS).slice(0, rng.int(1, 4)).sort().join(',');
}

/** Career counts as of now: stable per id, plausible (wins ≤ places ≤ starts, this year ≤ total). */
function careerCounts(rng: Rng, totalStarts: number, winShare: number): CareerCounts {
  const rcCntT = totalStarts;
  const rcCntY = Math.min(rcCntT, Math.round(rcCntT * rng.float(0.05, 0.2)));
  const split = (starts: number): [number, number, number] => {
    const first = Math.round(starts * winShare * rng.float(0.7, 1.3));
    const second = Math.round(starts * winShare * rng.float(0.7, 1.3));
    const third = Math.round(starts * winShare * rng.float(0.7, 1.3));
    const scale = first + second + third > starts ? starts / (first + second + third) : 1;
    return [Math.floor(first * scale), Math.floor(second * scale), Math.floor(third * scale)];
  };
  const [ord1CntT, ord2CntT, ord3CntT] = split(rcCntT);
  const [ord1CntY, ord2CntY, ord3CntY] = split(rcCntY).map((count, i) =>
    Math.min(count, [ord1CntT, ord2CntT, ord3CntT][i]),
  );
  return { rcCntT, rcCntY, ord1CntT, ord1CntY, ord2CntT, ord2CntY, ord3CntT, ord3CntY };
}

/** Keys in the gateway's order (plain code-unit sort: `buS1fTime` < `bu_10_8fTime` < `budam`). */
export function sortKeys<T extends Record<string, RawValue>>(record: T): T {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as T;
}

/** Horse rank as the master data writes it ("국5"), from ability. */
export function horseRank(horse: Horse): string {
  const level = Math.max(1, Math.min(6, Math.round(4 - horse.ability * 1.5)));
  return `${horse.meet === 3 || horse.ability < 1.2 ? '국' : '혼'}${level}`;
}

export function horseRating(horse: Horse): number {
  const level = Number(horseRank(horse).slice(1));
  return level >= 6 ? 0 : Math.round(20 + (6 - level) * 12 + horse.ability * 4);
}

/** API8_2 item: exactly the keys of the captured fixture, sorted as the gateway sorts them. */
/** Career counts as the services report them: total (`…T`) and this year (`…Y`). */
export type CareerCounts = Record<
  'rcCntT' | 'rcCntY' | 'ord1CntT' | 'ord1CntY' | 'ord2CntT' | 'ord2CntY' | 'ord3CntT' | 'ord3CntY',
  number
>;

/** API8_2 item: the keys of the captured fixture. `counts` and `rating` come from the world's history when it has one. */
export function horseItem(
  seed: string,
  horse: Horse,
  history?: { counts: CareerCounts; rating: number; rank: string; prize: number },
): Record<string, RawValue> {
  const rng = new Rng(seed, 'horse-career', horse.hrNo);
  const counts = history?.counts ?? careerCounts(rng, rng.int(0, 40), Math.max(0.03, 0.1 + horse.ability * 0.05));
  return sortKeys({
    birthday: horse.birthday,
    chaksunT:
      history?.prize ?? counts.ord1CntT * 15_000_000 + counts.ord2CntT * 6_000_000 + counts.ord3CntT * 3_750_000,
    faHrName: horse.faHrName,
    faHrNo: horse.faHrNo,
    hrLastAmt: horse.hrLastAmt,
    hrName: horse.hrName,
    hrNo: horse.hrNo,
    meet: meetName(horse.meet, 'long'),
    moHrName: horse.moHrName,
    moHrNo: horse.moHrNo,
    name: horse.name,
    owName: horse.owName,
    owNo: horse.owNo,
    rank: history?.rank ?? horseRank(horse),
    rating: history?.rating ?? horseRating(horse),
    sex: horse.sex,
    trName: horse.trName,
    trNo: horse.trNo,
    ...counts,
  });
}

/** API12_1 item: the keys of the captured fixture. Age is as of `asOf`, like the live gateway. */
export function jockeyItem(seed: string, jockey: Jockey, asOf: Date, history?: CareerCounts): Record<string, RawValue> {
  const rng = new Rng(seed, 'jockey-career', jockey.jkNo);
  const years = Math.max(1, asOf.getUTCFullYear() - Math.floor(jockey.debut / 10_000));
  const counts = history ?? careerCounts(rng, years * rng.int(250, 420), 0.1 + jockey.skill * 0.1);
  return sortKeys({
    age: asOf.getUTCFullYear() - Math.floor(jockey.birthday / 10_000),
    birthday: jockey.birthday,
    debut: jockey.debut,
    jkName: jockey.jkName,
    jkNo: jockey.jkNo,
    meet: meetName(jockey.meet, 'long'),
    part: jockey.part,
    spDate: '-',
    wgOther: jockey.wgPart,
    wgPart: jockey.wgPart,
    ...counts,
  });
}

/** API19_1 item: the keys of the captured fixture; rates are whole percentages. */
export function trainerItem(
  seed: string,
  trainer: Trainer,
  asOf: Date,
  history?: CareerCounts,
): Record<string, RawValue> {
  const rng = new Rng(seed, 'trainer-career', trainer.trNo);
  const years = Math.max(1, asOf.getUTCFullYear() - Math.floor(trainer.stDate / 10_000));
  const counts = history ?? careerCounts(rng, years * rng.int(150, 300), rng.float(0.07, 0.14));
  const rate = (count: number, starts: number): number => (starts === 0 ? 0 : Math.round((count / starts) * 100));
  return sortKeys({
    age: trainer.birthday === '-' ? '-' : asOf.getUTCFullYear() - Math.floor(trainer.birthday / 10_000),
    birthday: trainer.birthday,
    meet: meetName(trainer.meet, 'long'),
    part: trainer.part,
    stDate: trainer.stDate,
    trName: trainer.trName,
    trNo: trainer.trNo,
    winRateT: rate(counts.ord1CntT, counts.rcCntT),
    winRateY: rate(counts.ord1CntY, counts.rcCntY),
    qnlRateT: rate(counts.ord1CntT + counts.ord2CntT, counts.rcCntT),
    qnlRateY: rate(counts.ord1CntY + counts.ord2CntY, counts.rcCntY),
    plcRateT: rate(counts.ord1CntT + counts.ord2CntT + counts.ord3CntT, counts.rcCntT),
    plcRateY: rate(counts.ord1CntY + counts.ord2CntY + counts.ord3CntY, counts.rcCntY),
    ...counts,
  });
}
