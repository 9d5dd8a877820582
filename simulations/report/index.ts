/**
 * The simulator's reports: `writeReport` writes results.json, the CSV files
 * and the self-contained HTML report of a list of runs into a folder;
 * `renderHtml` gives the page alone; `fixtureRun` builds a realistic run for
 * tests and demos; `pngColours` tells a drawn screenshot from a blank one.
 */
export { checksCsv, nodesCsv, seriesCsv } from './csv.ts';
export { type FixtureOptions, fixtureRun } from './fixture.ts';
export { type HtmlOptions, renderHtml } from './html.ts';
export { type NodeInterval, type NodeState, nodeIntervals } from './intervals.ts';
export { pngColours } from './png-colours.ts';
export { REPORT_FILES, writeReport } from './write.ts';
