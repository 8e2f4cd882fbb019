//! The page's one style sheet, inline: screen and A4 print, each section on its own page when
//! printed, charts and table rows never split. System fonts only, nothing fetched.

pub const CSS: &str = r#"
@page { size: A4; margin: 14mm 15mm; }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif; font-size: 10pt;
       color: #222; background: #fff; max-width: 180mm; margin: 0 auto; padding: 6mm 4mm; }
h1 { font-size: 16pt; margin: 0 0 1mm; }
h2 { font-size: 12.5pt; margin: 0 0 2mm; padding-bottom: 1mm; border-bottom: 1px solid #bbb; }
h3 { font-size: 10.5pt; margin: 4mm 0 1mm; }
header p { margin: 0.5mm 0; color: #555; }
section { margin-top: 8mm; }
table { border-collapse: collapse; width: 100%; font-size: 9pt; margin: 2mm 0 3mm; }
th, td { padding: 1mm 1.5mm; border-bottom: 1px solid #e2e2e2; text-align: left; vertical-align: top; }
th { border-bottom: 1px solid #999; font-weight: bold; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.n { white-space: nowrap; }
tr.total td { font-weight: bold; }
.src { color: #666; font-size: 8pt; }
.note { font-size: 8.5pt; color: #555; margin: 1mm 0; }
svg { display: block; max-width: 100%; height: auto; margin: 1mm 0; }
svg text { font-family: "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif; }
svg .tick { font-size: 10px; fill: #444; }
svg .axis { font-size: 10px; fill: #333; font-weight: bold; }
svg .label { font-size: 11px; fill: #222; }
svg .value { font-size: 10.5px; fill: #222; }
svg .total { font-size: 9px; fill: #333; }
svg .missing { font-size: 10.5px; fill: #8a1c1c; font-style: italic; }
svg .band { font-size: 10px; fill: #111; }
svg .grid { stroke: #e6e6e6; stroke-width: 1; }
svg .axis-line { stroke: #555; stroke-width: 1; }
svg .node { fill: #555; }
ul.legend { display: flex; flex-wrap: wrap; gap: 1mm 5mm; font-size: 8.5pt; margin: 0 0 2mm; padding: 0; list-style: none; }
ul.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: -1px; }
ul.missing li { margin: 1mm 0; }
.flag { color: #8a1c1c; }
@media print {
  body { max-width: none; padding: 0; }
  section { break-before: page; margin-top: 0; }
  section:first-of-type { break-before: auto; }
  svg, table, figure, ul.legend { break-inside: avoid; }
  tr { break-inside: avoid; }
}
"#;
