// A report table (core/reports/tables.ts) as an Excel workbook: one sheet, the header row bold and frozen, numbers
// kept as numbers (a ratio KPI's value as a fraction, its shown text beside it). Used by the export routes and the
// scheduled report jobs alike. exceljs is loaded on the first file made, not by every process importing core.
import type { Cell } from './tables.ts';

export async function xlsxOf(sheetName: string, rows: readonly (readonly Cell[])[]): Promise<Buffer> {
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'estate-hotline';
  const sheet = workbook.addWorksheet(sheetName, { views: [{ state: 'frozen', ySplit: 1 }] });
  for (const row of rows) sheet.addRow([...row]);
  sheet.getRow(1).font = { bold: true };
  const header = rows[0] ?? [];
  header.forEach((title, i) => {
    const longest = Math.max(...rows.map((r) => String(r[i] ?? '').length), String(title).length);
    sheet.getColumn(i + 1).width = Math.min(60, Math.max(10, longest + 2));
  });
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const CSV_TYPE = 'text/csv; charset=utf-8';
