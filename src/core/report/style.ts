/** The report's stylesheet: A4 print first, system fonts only (nothing is loaded from elsewhere). */
export const STYLE = `
@page { size: A4; margin: 16mm 15mm 18mm 15mm; }
* { box-sizing: border-box; }
html { color-scheme: light; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0 auto; padding: 12mm 0; max-width: 180mm; color: #1b1f24; background: #fff;
  font-family: "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif; font-size: 10pt; line-height: 1.45; }
header { border-bottom: 2px solid #1f4e79; padding-bottom: 4mm; margin-bottom: 5mm; }
h1 { font-size: 18pt; margin: 0 0 2mm; color: #1f4e79; }
h2 { font-size: 12.5pt; margin: 7mm 0 2mm; color: #1f4e79; break-after: avoid; page-break-after: avoid; }
h3 { font-size: 10.5pt; margin: 4mm 0 1mm; break-after: avoid; }
p, ul { margin: 0 0 2.5mm; }
ul { padding-left: 5mm; }
.meta { color: #4a5561; margin: 0; }
.columns { display: flex; gap: 6mm; }
.columns > div { flex: 1; }
.summary { display: grid; grid-template-columns: repeat(4, 1fr); gap: 3mm; margin: 2mm 0 3mm; }
.summary div { border: 1px solid #c9d3dd; border-radius: 2mm; padding: 2mm 3mm; break-inside: avoid; }
.summary b { display: block; font-size: 15pt; color: #1f4e79; }
table { width: 100%; border-collapse: collapse; margin: 1mm 0 2mm; font-size: 9pt; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
th, td { border-bottom: 1px solid #d5dde5; padding: 1.2mm 1.8mm; text-align: left; vertical-align: top; }
thead th { background: #e8eef4; border-bottom: 1.5px solid #1f4e79; font-weight: bold; }
tbody th { font-weight: normal; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.basis { font-size: 7.5pt; color: #5b6670; }
.muted { color: #8a949e; }
.nowrap { white-space: nowrap; }
.ok { color: #17612e; }
.bad { color: #a4161a; font-weight: bold; }
.verdict { font-size: 12pt; font-weight: bold; }
code { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 8.5pt; word-break: break-all; }
pre { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 8.5pt; background: #f3f5f7;
  border: 1px solid #d5dde5; padding: 2mm 3mm; white-space: pre-wrap; word-break: break-all; margin: 1mm 0 3mm; }
.note { font-size: 8.5pt; color: #4a5561; }
footer { margin-top: 8mm; border-top: 1px solid #c9d3dd; padding-top: 2mm; font-size: 8pt; color: #5b6670; }
.summary div b.ok, .summary div b.bad { font-size: 15pt; }
/* The closing sections stay together: the last printed page then holds at least all of them, never a stray line. */
.closing { break-inside: avoid; page-break-inside: avoid; }
@media print { body { padding: 0; max-width: none; } footer { display: none; } }
`;
