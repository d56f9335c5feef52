// Package trace is the live engine: it sends every TTL up to a horizon at
// once under a rate limit (the horizon moves on as the path answers; see
// shape.go), feeds what the capture delivers to the analyzer, gives up on
// an unanswered probe after a wait drawn from the RTTs of its own hop or
// of its nearest answering neighbours (wait.go), stops after a run of
// silent TTLs (the gap limit), and hands hops over in TTL order as soon as
// they can no longer change.
//
// The engine knows no protocol: it sends what craft built, and learns from
// the analyzer's events which probe a captured packet is and which probe a
// reply answers. The trace it streams and returns is the analyzer's, with
// capture timestamps, so that a replay of the same packets shows the same.
// It talks to the network only through Wire, so its tests run against an
// in-memory network with a virtual clock (package tracetest). It never
// decodes packets itself, and it does no I/O: package run wires it up.
package trace
