/**
 * The report's stylesheet, inlined into the page (no external file, font or
 * image). Failing things are red (`.fail`), passing green (`.ok`); plots
 * scale down to the window's width; the timeline scrolls in a fixed box.
 */
export const REPORT_CSS = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1d1d1f; background: #fafafa; }
header { background: #20232a; color: #fff; padding: 12px 24px; }
header h1 { margin: 0; font-size: 20px; }
nav { margin-top: 6px; } nav a { color: #9cdcfe; margin-right: 10px; }
main { padding: 8px 24px 48px; }
section { background: #fff; border: 1px solid #e2e2e2; border-radius: 6px; padding: 8px 16px 16px; margin: 16px 0; }
h2 { font-size: 17px; } h3 { font-size: 15px; margin: 18px 0 6px; } h4 { margin: 0 0 4px; font-size: 13px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border-bottom: 1px solid #e8e8e8; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.ok { color: #1b7a1b; } .fail { color: #b71c1c; font-weight: 600; }
td.fail, div.check.fail { background: #ffebee; }
.badge { font-size: 12px; padding: 1px 8px; border-radius: 10px; border: 1px solid currentColor; }
.scroll-x { overflow-x: auto; }
code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; }
.command { display: flex; gap: 6px; align-items: center; background: #f4f4f4; border: 1px solid #ddd; border-radius: 4px; padding: 4px 8px; margin: 4px 0; }
.command code { user-select: all; white-space: pre; overflow-x: auto; flex: 1; }
button.copy { font-size: 11px; }
td.checks-cell { min-width: 22em; }
details.check-badge { display: inline-block; margin: 0 10px 2px 0; vertical-align: top; }
.summary .command { min-width: 24em; } .summary .command code { white-space: pre-wrap; word-break: break-all; }
details.check-badge summary { cursor: pointer; white-space: nowrap; }
details.check-badge pre { position: absolute; background: #fff; border: 1px solid #ccc; padding: 6px; z-index: 2; max-height: 320px; overflow: auto; }
.plots svg.plot, .sweep-plots svg.plot { display: block; max-width: 100%; height: auto; margin: 8px 0; }
.sweep-plots { display: flex; flex-wrap: wrap; gap: 8px; }
.timeline { max-height: 360px; overflow-y: auto; border: 1px solid #e2e2e2; }
.timeline table { width: 100%; }
.timeline td:first-child { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.timeline td:nth-child(3) { white-space: pre-wrap; word-break: break-word; }
.checks { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 8px; }
div.check { border: 1px solid #e2e2e2; border-radius: 4px; padding: 6px 8px; }
div.check pre { margin: 0; white-space: pre-wrap; word-break: break-word; color: #1d1d1f; font-weight: 400; max-height: 260px; overflow: auto; }
.empty { color: #888; }
`;
