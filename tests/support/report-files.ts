// Report files read back in tests: an XLSX's first sheet as rows of cells (exceljs), an empty cell as ''.
import ExcelJS from 'exceljs';

/** A row with its empty cells (null, or a hole exceljs leaves) as '', to compare with a table of core/reports. */
export const filledRow = (row: readonly unknown[]): unknown[] => Array.from(row, (c) => c ?? '');

export async function sheetRows(data: Buffer): Promise<unknown[][]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(data as unknown as ArrayBuffer);
  const rows: unknown[][] = [];
  workbook.worksheets[0]!.eachRow((row) => rows.push(filledRow((row.values as unknown[]).slice(1))));
  return rows;
}
