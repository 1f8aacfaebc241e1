import { acquireAdvisoryLock, releaseAdvisoryLock } from '@app/database';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PeopleRepository } from './people.repository';
import { ProvenanceRepository } from './provenance.repository';
import { RaceCardsRepository } from './race-cards.repository';
import { ResultsRepository } from './results.repository';

const DAY_LOCK_NAMESPACE = 7_264_020;

/**
 * The race data model as its writers use it: one repository per aggregate, and the transaction and
 * per-day lock they write under. Writers never see the data source itself.
 */
@Injectable()
export class RaceData {
  readonly provenance: ProvenanceRepository;
  readonly cards: RaceCardsRepository;
  readonly people: PeopleRepository;
  readonly results: ResultsRepository;

  constructor(private readonly dataSource: DataSource) {
    this.provenance = new ProvenanceRepository(dataSource);
    this.cards = new RaceCardsRepository(dataSource);
    this.people = new PeopleRepository(dataSource);
    this.results = new ResultsRepository(dataSource);
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * Runs `work` holding the day's lock: two runs of the same day take turns. Their upserts could not
   * duplicate rows anyway, but taking turns keeps them from deadlocking on the same rows.
   */
  async withDayLock<T>(date: string, meet: number, work: () => Promise<T>): Promise<T> {
    const key: [number, number] = [DAY_LOCK_NAMESPACE, dayLockKey(date, meet)];
    const lock = this.dataSource.createQueryRunner();
    await lock.connect();
    try {
      await acquireAdvisoryLock(lock, key);
      return await work();
    } finally {
      await releaseAdvisoryLock(lock, key).catch(() => undefined);
      await lock.release();
    }
  }
}

/** A stable 32-bit key per (date, meet) for the day's advisory lock. */
function dayLockKey(date: string, meet: number): number {
  return Number(date.replace(/-/g, '')) * 10 + meet - 2_000_000_000;
}
