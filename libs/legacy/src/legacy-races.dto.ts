import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { LEGACY_KINDS, LegacyKind } from './legacy-files';

export class LegacyKindQueryDto {
  @ApiPropertyOptional({
    enum: LEGACY_KINDS,
    default: 'prerace',
    description:
      '`prerace`: the race card and every runner that was not scratched, post-race fields reset (`ord`, `rcTime`, sectionals 0; ' +
      '`diffUnit`, `ordBigo`, `track`, `weather` "-"; no `winOdds`/`plcOdds`). `enriched`: the same items plus `hrDetail`, `jkDetail` ' +
      "and `trDetail` (API8_2, API12_1, API19_1 fields) from the master data and the entry's pre-race snapshot.",
  })
  @IsOptional()
  @IsIn(LEGACY_KINDS)
  kind: LegacyKind = 'prerace';
}

/** An example runner of a `_prerace` file (a few of its fields), for the documentation. */
const ITEM_EXAMPLE = {
  age: 3,
  birthday: 20220303,
  chaksun1: 16500000,
  chulNo: 10,
  diffUnit: '-',
  hrName: '올라운드원',
  hrNo: '0051228',
  jkName: '정도윤',
  jkNo: '080565',
  meet: '부경',
  ord: 0,
  ordBigo: '-',
  owNo: 118011,
  rank: '국6등급',
  rating: 0,
  rcDate: 20250523,
  rcDist: 1200,
  rcNo: 1,
  rcTime: 0,
  stTime: '출발 :10:35',
  trNo: '070180',
  wgBudam: 57,
  wgHr: '511(+2)',
};

export class LegacyHeaderDto {
  @ApiProperty({ example: '00' })
  resultCode: string;

  @ApiProperty({ example: 'NORMAL SERVICE.' })
  resultMsg: string;
}

export class LegacyItemsDto {
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    example: [ITEM_EXAMPLE],
    description:
      'One item per runner that was not scratched, by gate (`chulNo`), under the API214_1 field names and value types, plus `sexCond` ' +
      '(race plan) and `stTime` (scheduled start, entry sheet form); with `kind=enriched` also `hrDetail`, `jkDetail`, `trDetail` ' +
      '(`{}` for a runner without that part of the snapshot). Values we do not hold are "-".',
  })
  item: Record<string, unknown>[];
}

export class LegacyBodyDto {
  @ApiProperty({ type: LegacyItemsDto })
  items: LegacyItemsDto;

  @ApiProperty({ example: 11, description: 'Number of items: every runner is on the one page' })
  numOfRows: number;

  @ApiProperty({ example: 1 })
  pageNo: number;

  @ApiProperty({ example: 11 })
  totalCount: number;
}

export class LegacyResponseDto {
  @ApiProperty({ type: LegacyHeaderDto })
  header: LegacyHeaderDto;

  @ApiProperty({ type: LegacyBodyDto })
  body: LegacyBodyDto;
}

/** A legacy race file: an API214_1 JSON envelope. */
export class LegacyEnvelopeDto {
  @ApiProperty({ type: LegacyResponseDto })
  response: LegacyResponseDto;
}
