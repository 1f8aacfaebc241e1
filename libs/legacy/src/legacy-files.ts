import type { RawItem, RawValue } from '@app/kra-client';

/**
 * The files the previous collection scripts wrote, and that other tools still read:
 * `data/races/YYYY/MM/YYYYMMDD/<venue>/race_<meet>_<YYYYMMDD>_<raceNo>_<kind>.json`, each an API214_1
 * envelope with one item per runner. This module knows their names and their envelope; the
 * importer and the exporter build on it.
 */

export const LEGACY_KINDS = ['prerace', 'enriched'] as const;
export type LegacyKind = (typeof LEGACY_KINDS)[number];

/** Directory name of each meet (1 Seoul, 2 Jeju, 3 Busan-Gyeongnam). */
export const LEGACY_VENUES: Readonly<Record<number, string>> = { 1: 'seoul', 2: 'jeju', 3: 'busan' };

/** Which race a file is about, and which of its two files it is. */
export interface LegacyFileId {
  /** YYYY-MM-DD */
  date: string;
  meet: number;
  raceNo: number;
  kind: LegacyKind;
}

/** A file that cannot be read as a legacy race file; `reason` says why, for the import report. */
export class LegacyFileError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'LegacyFileError';
  }
}

/** Runner details that `_enriched` files add to each item, by the KRA service they came from. */
export const LEGACY_DETAIL_FIELDS = { hrDetail: 'API8_2', jkDetail: 'API12_1', trDetail: 'API19_1' } as const;
export type LegacyDetailField = keyof typeof LEGACY_DETAIL_FIELDS;

/**
 * One runner: API214_1 fields, plus in `_enriched` files the three detail blocks. As read from a file
 * a value may be anything JSON holds (null included); the importer checks what it uses.
 */
export type LegacyItem = Record<string, RawValue | RawItem | null | undefined> &
  Partial<Record<LegacyDetailField, RawItem | Record<string, never> | null>>;

export interface LegacyEnvelope {
  response: {
    header: { resultCode: string; resultMsg: string };
    body: { items: { item: LegacyItem[] }; numOfRows: number; pageNo: number; totalCount: number };
  };
}

/** The envelope the old scripts wrote around a race's items (a single page holding every runner). */
export function legacyEnvelope(items: LegacyItem[]): LegacyEnvelope {
  return {
    response: {
      header: { resultCode: '00', resultMsg: 'NORMAL SERVICE.' },
      body: { items: { item: items }, numOfRows: items.length, pageNo: 1, totalCount: items.length },
    },
  };
}

/**
 * A legacy file's bytes: the envelope as JSON indented by 2 spaces, with a trailing newline. Keys keep
 * the order they were built in, so the same envelope always gives the same bytes.
 */
export function legacyFileText(envelope: LegacyEnvelope): string {
  return `${JSON.stringify(envelope, null, 2)}\n`;
}

/**
 * The runners of a legacy file's text, as the old scripts and real files have them: `item` an array,
 * or a single object for a one-runner race; `items` "" for none. A LegacyFileError says what is wrong
 * with anything else (empty file, not JSON, another envelope, an error answer, no runner).
 */
export function readLegacyEnvelope(text: string): LegacyItem[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '')
    throw new LegacyFileError(body.length === 0 ? 'empty file (0 bytes)' : 'empty file (only whitespace)');
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch (error) {
    throw new LegacyFileError(`not valid JSON: ${(error as Error).message}`);
  }
  const response = isObject(document) ? document.response : undefined;
  if (!isObject(response)) throw new LegacyFileError('not an API214_1 envelope: no "response" object');
  const header = response.header;
  if (header !== undefined && !isObject(header))
    throw new LegacyFileError('not an API214_1 envelope: "response.header" is not an object');
  const code = header?.resultCode;
  if (code !== undefined && code !== '00')
    throw new LegacyFileError(
      `an error answer, not race data: resultCode ${JSON.stringify(code)} (${JSON.stringify(header?.resultMsg ?? null)})`,
    );
  const items = isObject(response.body) ? response.body.items : undefined;
  if (items === '' || (isObject(items) && (items.item === undefined || items.item === '')))
    throw new LegacyFileError('no runners: "response.body.items" is empty');
  if (!isObject(items)) throw new LegacyFileError('not an API214_1 envelope: no "response.body.items" object');
  const list: unknown[] = Array.isArray(items.item) ? items.item : [items.item];
  if (list.length === 0) throw new LegacyFileError('no runners: "response.body.items.item" is empty');
  list.forEach((item, index) => {
    if (!isObject(item)) throw new LegacyFileError(`item ${index + 1} is not an object`);
  });
  return list as LegacyItem[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `YYYY/MM/YYYYMMDD/<venue>/race_<meet>_<YYYYMMDD>_<raceNo>_<kind>.json`, relative to the tree's root. */
export function legacyFilePath(id: LegacyFileId): string {
  const compact = id.date.replaceAll('-', '');
  const venue = LEGACY_VENUES[id.meet];
  if (!venue) throw new RangeError(`No legacy venue for meet ${id.meet}`);
  return `${compact.slice(0, 4)}/${compact.slice(4, 6)}/${compact}/${venue}/race_${id.meet}_${compact}_${id.raceNo}_${id.kind}.json`;
}

const FILE_NAME = /^race_([1-3])_(\d{8})_(\d{1,2})_(prerace|enriched)\.json$/;

/**
 * Reads a file's identity from its path relative to the tree's root, and checks that the
 * directories agree with the name (year, month, day, venue of the meet).
 */
export function parseLegacyFilePath(relativePath: string): LegacyFileId {
  const parts = relativePath.split(/[\\/]/).filter(Boolean);
  const name = parts.at(-1) ?? '';
  const match = FILE_NAME.exec(name);
  if (!match)
    throw new LegacyFileError(`file name "${name}" is not race_<meet>_<YYYYMMDD>_<raceNo>_<prerace|enriched>.json`);
  const [, meetText, compact, raceText, kind] = match;
  const meet = Number(meetText);
  const raceNo = Number(raceText);
  const date = `${compact.slice(0, 4)}-${compact.slice(4, 6)}-${compact.slice(6, 8)}`;
  const day = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== date)
    throw new LegacyFileError(`file name "${name}" holds no valid date`);
  if (raceNo < 1 || raceNo > 20)
    throw new LegacyFileError(`file name "${name}" holds race number ${raceNo}, not 1 to 20`);
  const expected = [compact.slice(0, 4), compact.slice(4, 6), compact, LEGACY_VENUES[meet]];
  const actual = parts.slice(-5, -1);
  if (actual.length !== 4 || actual.some((part, index) => part !== expected[index])) {
    throw new LegacyFileError(`"${name}" belongs in ${expected.join('/')}/, not in ${actual.join('/') || 'the root'}/`);
  }
  return { date, meet, raceNo, kind: kind as LegacyKind };
}
