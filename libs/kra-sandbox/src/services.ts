import { KRA_SERVICES, KraResultCode, KraServiceName, RawValue } from '@app/kra-client';
import {
  addDays,
  dateRange,
  datesInMonth,
  datesInYear,
  entriesPublishedAt,
  isRcDate,
  kstDateOf,
  kstInstant,
  kstIso,
  koreanWeekday,
} from '@app/calendar';
import { KraWorld, MasterRecord } from './kra-world';
import { ALL_MEETS, MeetCode, meetName, parseMeet, scheduledMeets } from './meets';
import { sortKeys } from './population';
import { Rng } from './random';
import { Race, ResultRow } from './race-day';

/**
 * What each service answers for a query at a given sandbox time: the rows before paging, or a
 * service error code. Visibility follows the real publication cycle:
 *  - race plans (API72_2): always;
 *  - entry sheet (API26_2), the card rows of API214_1 and the API299 rows: from the Wednesday
 *    before the race day, 14:30 KST;
 *  - scratches (API9_1): from 08:00 KST on race day;
 *  - results: API214_1 post-race fields, API299 stTime/finalBit/weather/track, dividends (API160_1)
 *    and the observed track (API189_1): from the scheduled start + RESULT_DELAY_MINUTES.
 */

export type RawItem = Record<string, RawValue>;
export type QueryParams = Record<string, string>;
export type QueryResult = { kind: 'items'; items: RawItem[] } | { kind: 'error'; code: KraResultCode };

export const RESULT_DELAY_MINUTES = 3;
export const SCRATCHES_PUBLISHED_AT = '0800';
const UPCOMING_ENTRY_DAYS = 7;

export const SERVICE_NAMES = Object.values(KRA_SERVICES).map((service) => service.name);
const SERVICE_BY_PATH = new Map<string, KraServiceName>(
  Object.values(KRA_SERVICES).map((service) => [service.path, service.name]),
);

export function serviceForPath(path: string): KraServiceName | undefined {
  return SERVICE_BY_PATH.get(path);
}

/** When the result of a race appears on the sandbox clock. */
export function resultsAvailableAt(race: Race): Date {
  return kstInstant(race.plan.rcDate, race.plan.schStTime, RESULT_DELAY_MINUTES);
}

export function isRun(race: Race, now: Date): boolean {
  return now.getTime() >= resultsAvailableAt(race).getTime();
}

/** Whether the race's result is out: run, and not called off. */
function hasResult(world: KraWorld, race: Race, now: Date): boolean {
  return isRun(race, now) && !world.isCancelled(race);
}

/** Fields a pre-race view must not carry (README "leakage"), with what they read before the race. */
export function isPostRaceField(field: string): boolean {
  return (
    /^(ord|ordBigo|rankRise|diffUnit|rcTime|winOdds|plcOdds|track|weather)$/.test(field) ||
    /^(bu[GS_]|se[GS_]|sj|je)/.test(field)
  );
}

export function preRaceRow(row: ResultRow): ResultRow {
  return Object.fromEntries(
    Object.entries(row).map(([field, value]) => [
      field,
      // The margin is text before the race whatever it becomes after (a whole length is a number).
      isPostRaceField(field) ? (typeof value === 'number' && field !== 'diffUnit' ? 0 : '-') : value,
    ]),
  );
}

class InvalidParameter extends Error {}

interface DateScope {
  dates: string[];
  meets: MeetCode[];
}

function meetsOf(params: QueryParams): MeetCode[] {
  if (params.meet === undefined || params.meet === '') return [...ALL_MEETS];
  const meet = parseMeet(params.meet);
  if (meet === null) throw new InvalidParameter('meet');
  return [meet];
}

function validDate(value: string): string {
  if (!isRcDate(value)) throw new InvalidParameter('date');
  return value;
}

/** rc_date, else rc_month, else rc_year (where the service takes it); none → no dates. */
function dateScope(params: QueryParams, options: { year?: boolean } = {}): DateScope {
  const meets = meetsOf(params);
  if (params.rc_date) return { dates: [validDate(params.rc_date)], meets };
  if (params.rc_month) {
    if (!/^\d{6}$/.test(params.rc_month) || !isRcDate(`${params.rc_month}01`)) throw new InvalidParameter('rc_month');
    return { dates: datesInMonth(params.rc_month), meets };
  }
  if (options.year && params.rc_year) {
    if (!/^\d{4}$/.test(params.rc_year)) throw new InvalidParameter('rc_year');
    return { dates: datesInYear(params.rc_year), meets };
  }
  return { dates: [], meets };
}

function raceNumberFilter(params: QueryParams): (race: Race) => boolean {
  if (!params.rc_no) return () => true;
  if (!/^\d{1,2}$/.test(params.rc_no)) throw new InvalidParameter('rc_no');
  const rcNo = Number(params.rc_no);
  return (race) => race.plan.rcNo === rcNo;
}

function racesIn(world: KraWorld, scope: DateScope, filter: (race: Race) => boolean = () => true): Race[] {
  const races: Race[] = [];
  for (const date of scope.dates) {
    const meets = scheduledMeets(date).filter((meet) => scope.meets.includes(meet));
    for (const meet of meets) races.push(...world.raceDay(date, meet).races.filter(filter));
  }
  return races;
}

function entriesPublished(race: Race, now: Date): boolean {
  return now.getTime() >= entriesPublishedAt(race.plan.rcDate).getTime();
}

function stTimeText(hhmm: string): string {
  return `출발 :${hhmm.slice(0, 2)}:${hhmm.slice(2, 4)}`;
}

const ENTRY_FIELDS = [
  'meet',
  'rcDate',
  'rcDay',
  'rcNo',
  'chulNo',
  'hrName',
  'hrNo',
  'name',
  'sex',
  'age',
  'wgBudam',
  'rating',
  'jkName',
  'jkNo',
  'trName',
  'trNo',
  'owName',
  'owNo',
  'rcDist',
  'rank',
  'prizeCond',
  'ageCond',
  'budam',
  'rcName',
  'ilsu',
  'hrTool',
  'chaksun1',
];

function entrySheet(world: KraWorld, params: QueryParams, now: Date): RawItem[] {
  // Without a date the gateway lists what is currently published: the coming week's race days.
  const scope =
    params.rc_date || params.rc_month
      ? dateScope(params)
      : { dates: dateRange(kstDateOf(now), addDays(kstDateOf(now), UPCOMING_ENTRY_DAYS)), meets: meetsOf(params) };
  // rc_no is deliberately ignored, as by the real gateway.
  return racesIn(world, scope)
    .filter((race) => entriesPublished(race, now))
    .flatMap((race) =>
      [...race.rows]
        .sort((a, b) => Number(a.chulNo) - Number(b.chulNo))
        .map((row) =>
          sortKeys({
            ...Object.fromEntries(ENTRY_FIELDS.map((field) => [field, row[field]])),
            stTime: stTimeText(race.plan.schStTime),
          }),
        ),
    );
}

function racePlan(world: KraWorld, params: QueryParams): RawItem[] {
  const scope = dateScope(params, { year: true });
  const rcNo = params.rc_no ? Number(params.rc_no) : undefined;
  if (params.rc_no && !/^\d{1,2}$/.test(params.rc_no)) throw new InvalidParameter('rc_no');
  const items: RawItem[] = [];
  for (const date of scope.dates) {
    for (const meet of scheduledMeets(date).filter((m) => scope.meets.includes(m))) {
      for (const plan of world.plans(date, meet)) {
        if (rcNo !== undefined && plan.rcNo !== rcNo) continue;
        items.push(
          sortKeys({
            meet: meetName(meet, 'short'),
            rcDate: Number(date),
            rcDay: koreanWeekday(date),
            rcNo: plan.rcNo,
            rcName: plan.rcName,
            rcDist: plan.rcDist,
            rank: plan.rank,
            prizeCond: plan.prizeCond,
            ageCond: plan.ageCond,
            sexCond: plan.sexCond,
            budam: plan.budam,
            chaksun1: plan.chaksun[0],
            chaksun2: plan.chaksun[1],
            chaksun3: plan.chaksun[2],
            chaksun4: plan.chaksun[3],
            chaksun5: plan.chaksun[4],
            schStTime: plan.schStTime,
          }),
        );
      }
    }
  }
  return items;
}

function raceResults(world: KraWorld, params: QueryParams, now: Date): RawItem[] {
  return racesIn(world, dateScope(params), raceNumberFilter(params))
    .filter((race) => entriesPublished(race, now))
    .flatMap((race) =>
      hasResult(world, race, now)
        ? race.rows
        : race.rows.map(preRaceRow).sort((a, b) => Number(a.chulNo) - Number(b.chulNo)),
    );
}

/** The fields API299 shares with API214_1 rows (race, runner, result, sectionals of every track). */
const TOTAL_SHARED_FIELDS =
  /^(meet|rcDate|rcNo|track|chulNo|hrNo|hrName|age|sex|name|rank|wgBudam|wgHr|ord|rcTime|jkNo|jkName|trNo|trName)$|^(bu|se|sj|je)(_|[A-Z])/;

/** Counts the gateway does not document (values in the hundreds): stable per horse. */
function otherHorseCounts(seed: string, hrNo: string): { hrRcCntT: number; hrOrd1CntT: number; hrOrd2CntT: number } {
  const rng = new Rng(seed, 'api299-horse-counts', hrNo);
  const starts = rng.int(200, 650);
  return {
    hrRcCntT: starts,
    hrOrd1CntT: Math.round(starts * rng.float(0.06, 0.14)),
    hrOrd2CntT: Math.round(starts * rng.float(0.06, 0.13)),
  };
}

function yearsSince(yyyymmdd: RawValue | undefined, rcDate: string): number {
  const since = Number(yyyymmdd);
  return Number.isFinite(since) && since > 19_000_000 ? Math.max(0, Math.floor((Number(rcDate) - since) / 10_000)) : 0;
}

/**
 * API299: one row per runner (94 keys, as the capture), from the race's API214_1 row plus the
 * counts of its horse, jockey and trainer as the masters give them on race day. Before the result,
 * the post-race fields are zero, `stTime` "-" and `finalBit` 0. A race called off
 * ({@link KraWorld.cancelRace}) keeps zeros and gets `noraceFlag` 1 once its start has passed.
 */
/** The counts API299 gives of a horse, a jockey and a trainer (starts, wins, seconds; total and this year). */
const TOTAL_COUNT_FIELDS = ['rcCntT', 'rcCntY', 'ord1CntT', 'ord1CntY', 'ord2CntT', 'ord2CntY'];

function raceTotalRow(world: KraWorld, race: Race, row: ResultRow, now: Date): RawItem {
  const { plan } = race;
  const cancelled = world.isCancelled(race) && isRun(race, now);
  const run = hasResult(world, race, now);
  const asOf = kstInstant(plan.rcDate, plan.schStTime);
  const source = run ? row : preRaceRow(row);
  const horse = world.masterItem('horse', String(row.hrNo), asOf) ?? {};
  const jockey = world.masterItem('jockey', String(row.jkNo), asOf) ?? {};
  const trainer = world.masterItem('trainer', String(row.trNo), asOf) ?? {};
  const count = (item: RawItem, field: string): number => Number(item[field] ?? 0) || 0;
  // The master's counts, under API299's names: rcCntT for the horse, jkRcCntT for the jockey, …
  const counts = (item: RawItem, prefix = ''): RawItem =>
    Object.fromEntries(
      TOTAL_COUNT_FIELDS.map((field) => [
        prefix ? `${prefix}${field[0].toUpperCase()}${field.slice(1)}` : field,
        count(item, field),
      ]),
    );
  return sortKeys({
    ...Object.fromEntries(Object.entries(source).filter(([field]) => TOTAL_SHARED_FIELDS.test(field))),
    meet: meetName(plan.meet, 'long'),
    schStTime: kstIso(plan.rcDate, plan.schStTime),
    stTime: run ? kstIso(plan.rcDate, plan.schStTime, plan.startDelayMinutes) : '-',
    startTimeChg: '-',
    stTimeChgReason: '-',
    noraceFlag: cancelled ? 1 : 0,
    finalBit: run || cancelled ? 1 : 0,
    prdName: row.name === '한국' ? '국산' : '외산',
    ...counts(horse),
    ...otherHorseCounts(world.seed, String(row.hrNo)),
    jkAge: count(jockey, 'age'),
    jkCareer: yearsSince(jockey.debut, plan.rcDate),
    ...counts(jockey, 'jk'),
    trAge: count(trainer, 'age'),
    trCareer: yearsSince(trainer.stDate, plan.rcDate),
    ...counts(trainer, 'tr'),
  });
}

function raceResultTotals(world: KraWorld, params: QueryParams, now: Date): RawItem[] {
  const finalBit = params.final_bit
    ? ({ '1': 1, Y: 1, '0': 0, N: 0 } as Record<string, number>)[params.final_bit]
    : undefined;
  if (params.final_bit && finalBit === undefined) throw new InvalidParameter('final_bit');
  return racesIn(world, dateScope(params, { year: true }), raceNumberFilter(params))
    .filter((race) => entriesPublished(race, now))
    .flatMap((race) => {
      // In finishing order once run (as the capture), in gate order before.
      const rows = hasResult(world, race, now)
        ? race.rows
        : [...race.rows].sort((a, b) => Number(a.chulNo) - Number(b.chulNo));
      return rows.map((row) => raceTotalRow(world, race, row, now));
    })
    .filter((item) => finalBit === undefined || item.finalBit === finalBit);
}

function dividends(world: KraWorld, params: QueryParams, now: Date): RawItem[] {
  // `pool` is accepted and ignored, as by the real gateway.
  return racesIn(world, dateScope(params), raceNumberFilter(params))
    .filter((race) => hasResult(world, race, now))
    .flatMap((race) =>
      race.dividends.map((dividend) =>
        sortKeys({
          meet: meetName(race.plan.meet, 'short'),
          rcDate: Number(race.plan.rcDate),
          rcNo: race.plan.rcNo,
          ...dividend,
        }),
      ),
    );
}

function track(world: KraWorld, params: QueryParams, now: Date): RawItem[] {
  const from = params.rc_date_fr || params.rc_date_to || params.rc_date;
  const to = params.rc_date_to || params.rc_date_fr || params.rc_date;
  if (!from || !to) return [];
  const scope = { dates: dateRange(validDate(from), validDate(to)), meets: meetsOf(params) };
  return racesIn(world, scope)
    .filter((race) => hasResult(world, race, now))
    .map(({ plan }) =>
      sortKeys({
        meet: meetName(plan.meet, 'long'),
        rcDate: Number(plan.rcDate),
        rcNo: plan.rcNo,
        weather: plan.weather,
        track: plan.track,
        temperature: plan.temperature,
        humidity: plan.humidity,
        windDirection: plan.windDirection,
        windSpeed: plan.windSpeed,
      }),
    );
}

function scratches(world: KraWorld, params: QueryParams, now: Date): RawItem[] {
  return racesIn(world, dateScope(params))
    .filter((race) => now.getTime() >= kstInstant(race.plan.rcDate, SCRATCHES_PUBLISHED_AT).getTime())
    .flatMap((race) =>
      race.scratches.map((scratch) =>
        sortKeys({
          meet: meetName(race.plan.meet, 'short'),
          rcDate: Number(race.plan.rcDate),
          rcNo: race.plan.rcNo,
          ...scratch,
        }),
      ),
    );
}

/** Master data by id, by name, or all of a meet. */
function masters(
  records: MasterRecord[],
  params: QueryParams,
  idParam: string,
  nameParam: string,
  now: Date,
): RawItem[] {
  const meets = meetsOf(params);
  return records
    .filter((record) => meets.includes(record.meet))
    .filter((record) => !params[idParam] || record.id === params[idParam])
    .filter((record) => !params[nameParam] || record.name === params[nameParam])
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((record) => record.item(now));
}

export function queryService(world: KraWorld, service: KraServiceName, params: QueryParams, now: Date): QueryResult {
  try {
    return { kind: 'items', items: itemsOf(world, service, params, now) };
  } catch (error) {
    if (error instanceof InvalidParameter) return { kind: 'error', code: '10' };
    throw error;
  }
}

function itemsOf(world: KraWorld, service: KraServiceName, params: QueryParams, now: Date): RawItem[] {
  switch (service) {
    case 'API26_2':
      return entrySheet(world, params, now);
    case 'API72_2':
      return racePlan(world, params);
    case 'API214_1':
      return raceResults(world, params, now);
    case 'API299':
      return raceResultTotals(world, params, now);
    case 'API8_2':
      return masters(world.horses(), params, 'hr_no', 'hr_name', now);
    case 'API12_1':
      return masters(world.jockeys(), params, 'jk_no', 'jk_name', now);
    case 'API19_1':
      return masters(world.trainers(), params, 'tr_no', 'tr_name', now);
    case 'API160_1':
      return dividends(world, params, now);
    case 'API189_1':
      return track(world, params, now);
    case 'API9_1':
      return scratches(world, params, now);
  }
}
