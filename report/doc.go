// Package report renders the traces built by package analyze: traceroute
// hop lines and a replay summary (Header, Hop, Text), an mtr-like table
// (Stats), and machine-readable JSON and CSV (JSONWriter, CSVWriter).
// The same renderer serves `tracers run`, which streams hop lines as they
// complete, and `tracers replay`, which renders whole traces from a file.
//
// report is pure: it writes only to the io.Writer it is given, never reads
// the clock (every time comes from the trace's packet timestamps), never
// resolves names itself (Options.Names does, or addresses stay numeric),
// and keeps no package state.
//
// Round-trip times are shown in milliseconds with microsecond precision,
// rounded to the nearest microsecond, identically in every format, so a
// live run and the replay of its capture print the same numbers.
package report
