/**
 * The KRA OpenAPI services the product uses, with the raw item shape each one returns. The raw
 * shapes are the contract between the client's parsers and the sandbox: the four services with
 * captured fixtures (API214_1, API8_2, API12_1, API19_1) follow the captures field for field; the
 * others follow the gateway's documented fields.
 *
 * Raw values are as the gateway sends them: in JSON numbers are numbers, in XML everything is
 * text; identifiers may be numbers or strings; many fields may be "-" for "none".
 */
export type RawValue = string | number;

export const KRA_SERVICES = {
  entrySheet: { path: 'API26_2/entrySheet_2', name: 'API26_2' },
  racePlan: { path: 'API72_2/racePlan_2', name: 'API72_2' },
  raceResult: { path: 'API214_1/RaceDetailResult_1', name: 'API214_1' },
  raceResultTotal: { path: 'API299/Race_Result_total', name: 'API299' },
  horse: { path: 'API8_2/raceHorseInfo_2', name: 'API8_2' },
  jockey: { path: 'API12_1/jockeyInfo_1', name: 'API12_1' },
  trainer: { path: 'API19_1/trainerInfo_1', name: 'API19_1' },
  dividends: { path: 'API160_1/integratedInfo_1', name: 'API160_1' },
  track: { path: 'API189_1/Track_1', name: 'API189_1' },
  scratches: { path: 'API9_1/raceHorseCancelInfo_1', name: 'API9_1' },
} as const;

export type KraServiceKey = keyof typeof KRA_SERVICES;
export type KraServiceName = (typeof KRA_SERVICES)[KraServiceKey]['name'];

/** API26_2 entrySheet_2: one row per declared runner. `rc_no` is ignored by the gateway. */
export interface RawEntrySheetItem {
  meet: RawValue; // name: 서울 / 제주 / 부경 / 부산경남
  rcDate: RawValue; // YYYYMMDD
  rcDay: RawValue; // 금요일
  rcNo: RawValue;
  chulNo: RawValue; // gate number
  hrName: RawValue;
  hrNo: RawValue; // "0051228"
  name: RawValue; // country of birth, 한국
  sex: RawValue; // 수 / 암 / 거
  age: RawValue;
  wgBudam: RawValue; // carried weight, kg
  rating: RawValue;
  jkName: RawValue;
  jkNo: RawValue; // "080565"
  trName: RawValue;
  trNo: RawValue; // "070180"
  owName: RawValue;
  owNo: RawValue; // number in JSON
  rcDist: RawValue; // metres
  rank: RawValue; // 국6등급
  prizeCond: RawValue;
  ageCond: RawValue;
  budam: RawValue; // weight condition, 별정A / 핸디캡 / 마령
  rcName: RawValue;
  stTime: RawValue; // "출발 :10:35"
  ilsu: RawValue; // days since last start
  hrTool: RawValue; // equipment
  chaksun1: RawValue; // first prize, won
}

/** API72_2 racePlan_2: one row per race. */
export interface RawRacePlanItem {
  meet: RawValue;
  rcDate: RawValue;
  rcDay: RawValue;
  rcNo: RawValue;
  rcName: RawValue;
  rcDist: RawValue;
  rank: RawValue;
  prizeCond: RawValue;
  ageCond: RawValue;
  sexCond: RawValue; // 성별오픈 / 암말
  budam: RawValue;
  chaksun1: RawValue;
  chaksun2: RawValue;
  chaksun3: RawValue;
  chaksun4: RawValue;
  chaksun5: RawValue;
  schStTime: RawValue; // "1035"
}

/** API214_1 RaceDetailResult_1: card + result + odds + sectionals, one row per runner (see fixture). */
export interface RawRaceResultItem {
  [field: string]: RawValue;
}

/** API299 Race_Result_total: one row per race of the day. */
export interface RawRaceResultTotalItem {
  meet: RawValue;
  rcDate: RawValue;
  rcNo: RawValue;
  rcName: RawValue;
  rcDist: RawValue;
  rank: RawValue;
  weather: RawValue;
  track: RawValue; // "건조 (2%)"
  schStTime: RawValue; // "2025-05-03T10:35:00+09:00"
  stTime: RawValue; // actual start, ISO +09:00, "-" before the race
  noraceFlag: RawValue; // "N" normal, "Y" no race (cancelled / void)
  finalBit: RawValue; // "Y" when results are final
  hrCnt: RawValue; // runners that started
  jkCnt: RawValue;
  trCnt: RawValue;
}

/** API8_2 raceHorseInfo_2 (see fixture API8_2-hr0051228.json). */
export interface RawHorseItem {
  [field: string]: RawValue;
}

/** API12_1 jockeyInfo_1 (see fixture API12_1-jk080405.json). */
export interface RawJockeyItem {
  [field: string]: RawValue;
}

/** API19_1 trainerInfo_1 (see fixtures API19_1-tr070180.json/.xml). */
export interface RawTrainerItem {
  [field: string]: RawValue;
}

/** API160_1 integratedInfo_1: one row per pool × combination. `pool` parameter is ignored. */
export interface RawDividendItem {
  meet: RawValue;
  rcDate: RawValue;
  rcNo: RawValue;
  pool: RawValue; // WIN, PLC, QNL, EXA, QPL, TLA, TRI
  chulNo: RawValue;
  chulNo2: RawValue; // 0 when the pool has one runner
  chulNo3: RawValue; // 0 unless TLA / TRI
  odds: RawValue; // payout per 1 won staked, e.g. 3.1; 9999.9 = no sale / capped
}

/** API189_1 Track_1: one row per race, for a date range. */
export interface RawTrackItem {
  meet: RawValue;
  rcDate: RawValue;
  rcNo: RawValue;
  weather: RawValue; // 맑음 / 흐림 / 비 / 눈
  track: RawValue; // "건조 (2%)"
  temperature: RawValue; // °C
  humidity: RawValue; // %
  windDirection: RawValue; // 북서
  windSpeed: RawValue; // m/s
}

/** API9_1 raceHorseCancelInfo_1: scratches of a race day. */
export interface RawScratchItem {
  meet: RawValue;
  rcDate: RawValue;
  rcNo: RawValue;
  chulNo: RawValue;
  hrNo: RawValue;
  hrName: RawValue;
  reason: RawValue; // 출전취소 사유, e.g. 마체이상
}

/** Gateway codes (resultCode in the envelope, returnReasonCode in OpenAPI_ServiceResponse). */
export const KRA_RESULT_CODES = {
  '00': 'NORMAL_SERVICE',
  '01': 'APPLICATION_ERROR',
  '02': 'DB_ERROR',
  '03': 'NODATA_ERROR',
  '04': 'HTTP_ERROR',
  '05': 'SERVICETIME_OUT',
  '10': 'INVALID_REQUEST_PARAMETER_ERROR',
  '11': 'NO_MANDATORY_REQUEST_PARAMETERS_ERROR',
  '12': 'NO_OPENAPI_SERVICE_ERROR',
  '20': 'SERVICE_ACCESS_DENIED_ERROR',
  '21': 'TEMPORARILY_DISABLE_THE_SERVICEKEY_ERROR',
  '22': 'LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR',
  '30': 'SERVICE_KEY_IS_NOT_REGISTERED_ERROR',
  '31': 'DEADLINE_HAS_EXPIRED_ERROR',
  '32': 'UNREGISTERED_IP_ERROR',
  '33': 'UNSIGNED_CALL_ERROR',
  '99': 'UNKNOWN_ERROR',
} as const;

export type KraResultCode = keyof typeof KRA_RESULT_CODES;

/** The sectional fields of API214_1 and API299, every track's: Busan `bu*`, Seoul `se*` + `sj*`, Jeju `je*` + `sj*` (those of other tracks arrive as 0). */
export const SECTIONAL_FIELDS = [
  'buG1fAccTime',
  'buG1fOrd',
  'buG2fAccTime',
  'buG2fOrd',
  'buG3fAccTime',
  'buG3fOrd',
  'buG4fAccTime',
  'buG4fOrd',
  'buG6fAccTime',
  'buG6fOrd',
  'buG8fAccTime',
  'buG8fOrd',
  'buS1fAccTime',
  'buS1fOrd',
  'buS1fTime',
  'bu_10_8fTime',
  'bu_1fGTime',
  'bu_2fGTime',
  'bu_3fGTime',
  'bu_4_2fTime',
  'bu_6_4fTime',
  'bu_8_6fTime',
  'jeG1fTime',
  'jeG3fTime',
  'jeS1fTime',
  'je_1cTime',
  'je_2cTime',
  'je_3cTime',
  'je_4cTime',
  'seG1fAccTime',
  'seG3fAccTime',
  'seS1fAccTime',
  'se_1cAccTime',
  'se_2cAccTime',
  'se_3cAccTime',
  'se_4cAccTime',
  'sjG1fOrd',
  'sjG3fOrd',
  'sjS1fOrd',
  'sj_1cOrd',
  'sj_2cOrd',
  'sj_3cOrd',
  'sj_4cOrd',
] as const;
