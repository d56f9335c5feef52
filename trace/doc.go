// Package trace is the live engine: it schedules probes for many TTLs in
// parallel under a rate limit, feeds what the capture delivers to the
// analyzer, gives up on a silent probe after a wait that adapts to the RTTs
// already seen, and hands hops over in TTL order as soon as they are complete.
//
// The engine talks to the network only through Wire, so its tests run against
// an in-memory network with a virtual clock. It never decodes packets itself.
package trace
