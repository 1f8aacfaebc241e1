import { describe, expect, it } from 'vitest';
import type { LegacyItem } from './legacy-files';
import { legacyRaceRecords, LegacyRaceRecords } from './legacy-mapping';
import { LegacyMasterWrites } from './legacy-master-writes';

const career = { rcCntT: 10, ord1CntT: 2, ord2CntT: 1, ord3CntT: 1, rcCntY: 3, ord1CntY: 1, ord2CntY: 0, ord3CntY: 0 };

function runner(gate: number, overrides: Partial<LegacyItem> = {}): LegacyItem {
  const hrNo = `00400${gate.toString().padStart(2, '0')}`;
  return {
    meet: '서울',
    rcDate: 20250607,
    rcNo: 1,
    chulNo: gate,
    hrNo,
    hrName: `말${gate}`,
    jkNo: '080101',
    jkName: '기수',
    trNo: '070201',
    trName: '조교사',
    owNo: 110001,
    owName: '마주',
    hrDetail: { hrNo, hrName: `말${gate}`, rating: 50, rank: '국5', ...career },
    jkDetail: { jkNo: '080101', jkName: '기수', ...career },
    trDetail: { trNo: '070201', trName: '조교사', winRateT: 10, ...career },
    ...overrides,
  };
}

function race(items: LegacyItem[], raceNo = 1): LegacyRaceRecords {
  return legacyRaceRecords(
    { date: '2025-06-07', meet: 1, raceNo },
    { enriched: items.map((item) => ({ ...item, rcNo: raceNo })) },
  );
}

describe(LegacyMasterWrites.name, () => {
  it('should write everything the first time, and nothing a run already wrote with the same values', () => {
    const writes = new LegacyMasterWrites();
    const first = writes.plan(race([runner(1), runner(2)]));
    expect(first).toMatchObject({
      people: true,
      horses: [{ id: '0040001' }, { id: '0040002' }],
      jockeys: [{ id: '080101' }],
      trainers: [{ id: '070201' }],
    });
    first.committed();
    expect(writes.plan(race([runner(1), runner(2)], 2))).toMatchObject({
      people: false,
      horses: [],
      jockeys: [],
      trainers: [],
    });
  });

  it('should not remember a race whose transaction did not commit', () => {
    const writes = new LegacyMasterWrites();
    writes.plan(race([runner(1)]));
    expect(writes.plan(race([runner(1)], 2))).toMatchObject({ people: true, horses: [{ id: '0040001' }] });
  });

  it('should write what changed: a new horse, other career figures, another name', () => {
    const writes = new LegacyMasterWrites();
    writes.plan(race([runner(1), runner(2)])).committed();
    const next = writes.plan(
      race([runner(1, { jkDetail: { jkNo: '080101', jkName: '기수', ...career, rcCntT: 11 } }), runner(3)], 2),
    );
    expect(next).toMatchObject({
      people: true,
      horses: [{ id: '0040003' }],
      jockeys: [{ id: '080101' }],
      trainers: [],
    });
  });

  it('should write a detail again after the names whenever the runner row names it differently', () => {
    const writes = new LegacyMasterWrites();
    const renamed = runner(1, { hrName: '다른이름' });
    writes.plan(race([renamed])).committed();
    // The stored name is the detail's: the row's name differs from it, so both are written again, in order.
    expect(writes.plan(race([renamed], 2))).toMatchObject({ people: true, horses: [{ id: '0040001', name: '말1' }] });
    // A file without details writes the row's name; the next detailed race puts the detail's back.
    const { hrDetail: _, ...plain } = renamed;
    writes.plan(race([plain], 3)).committed();
    expect(writes.plan(race([runner(1)], 4))).toMatchObject({ people: true, horses: [] });
  });

  it('should forget the oldest entries past its limit', () => {
    const writes = new LegacyMasterWrites(4);
    writes.plan(race([runner(1)])).committed();
    writes.plan(race([runner(2)], 2)).committed();
    expect(writes.plan(race([runner(1)], 3)).horses).toEqual([expect.objectContaining({ id: '0040001' })]);
  });
});
