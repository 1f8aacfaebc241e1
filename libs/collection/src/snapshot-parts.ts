import type { HorseRecord, JockeyRecord, TrainerRecord } from '@app/kra-client';

/**
 * What an entry's pre-race snapshot keeps of its horse, jockey and trainer: the figures as they
 * stood when the details were looked up. One shape, written by the collector and the legacy import.
 */
export interface HorseSnapshot {
  rating: number | null;
  raceClass: string | null;
  career: HorseRecord['career'];
  thisYear: HorseRecord['thisYear'];
  totalPrize: number | null;
}

export interface JockeySnapshot {
  career: JockeyRecord['career'];
  thisYear: JockeyRecord['thisYear'];
}

export interface TrainerSnapshot {
  career: TrainerRecord['career'];
  thisYear: TrainerRecord['thisYear'];
  winRatePercent: number | null;
  placeRatePercent: number | null;
}

export function horseSnapshot(horse: HorseRecord): HorseSnapshot {
  return {
    rating: horse.rating,
    raceClass: horse.raceClass,
    career: horse.career,
    thisYear: horse.thisYear,
    totalPrize: horse.totalPrize,
  };
}

export function jockeySnapshot(jockey: JockeyRecord): JockeySnapshot {
  return { career: jockey.career, thisYear: jockey.thisYear };
}

export function trainerSnapshot(trainer: TrainerRecord): TrainerSnapshot {
  return {
    career: trainer.career,
    thisYear: trainer.thisYear,
    winRatePercent: trainer.winRatePercent,
    placeRatePercent: trainer.placeRatePercent,
  };
}
