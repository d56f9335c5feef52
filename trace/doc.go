// Package trace is the live engine: it schedules probes for many TTLs in
// parallel under a rate limit, feeds what the capture delivers to the
// analyzer, gives up on a silent probe after a wait that adapts to the RTTs
// already seen, and hands hops over in TTL order as soon as they are complete.
//
// The engine knows no protocol: it sends what craft built, and learns from
// the analyzer's events which probe a captured packet is and which probe a
// reply answers. The trace it streams and returns is the analyzer's, with
// capture timestamps, so that a replay of the same packets shows the same.
// It talks to the network only through Wire, so its tests run against an
// in-memory network with a virtual clock (package tracetest). It never
// decodes packets itself, and it does no I/O: package run wires it up.
package trace
