// What an agent records about a complaint when filing it (cti/severity-routes.ts complaintFactsOf): a complaint
// or compensation claim needs its category; the compensation is kept in fen, never a fraction of one; the other
// ticket types carry none of these facts.
import { describe, expect, it } from 'vitest';
import { BadRequest } from '../../core/index.ts';
import { complaintFactsOf } from '../../cti/severity-routes.ts';

describe('complaint facts from a new ticket', () => {
  it('fills the defaults of a complaint with only its category', () => {
    expect(complaintFactsOf('complaint', { complaintCategory: '物业管理' })).toEqual({
      complaintCategory: '物业管理',
      complainants: 1,
      compensationAskedFen: null,
      litigation: 'none',
      media: 'none',
      wholeEstate: false,
    });
  });

  it('keeps the compensation asked in fen: 20,000.01 yuan is 2,000,001 fen', () => {
    const facts = complaintFactsOf('compensation', {
      complaintCategory: '工程质量',
      compensationAskedYuan: 20000.01,
      complainants: 3,
      litigation: 'threatened',
      media: 'reported',
      wholeEstate: true,
    });
    expect(facts).toMatchObject({
      compensationAskedFen: 2_000_001,
      complainants: 3,
      litigation: 'threatened',
      media: 'reported',
      wholeEstate: true,
    });
    expect(
      complaintFactsOf('compensation', { complaintCategory: '其他', compensationAskedYuan: 20000 }),
    ).toMatchObject({ compensationAskedFen: 2_000_000 });
  });

  it('refuses a fraction of a fen', () => {
    expect(() =>
      complaintFactsOf('compensation', { complaintCategory: '其他', compensationAskedYuan: 0.005 }),
    ).toThrow(/more than 2 decimals/);
  });

  it('a complaint or a compensation claim needs its category', () => {
    for (const type of ['complaint', 'compensation'] as const) {
      expect(() => complaintFactsOf(type, {})).toThrow(BadRequest);
      expect(() => complaintFactsOf(type, {})).toThrow(/请选择投诉类别.*A complaint needs its category/);
    }
  });

  it('other ticket types carry no complaint facts', () => {
    expect(complaintFactsOf('repair', {})).toBeUndefined();
    expect(() => complaintFactsOf('repair', { media: 'reported' })).toThrow(
      /media: only for a complaint or a compensation claim/,
    );
  });
});
