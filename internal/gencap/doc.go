// Package gencap writes synthetic, deterministic captures of traceroute
// traffic for benchmarks and soak tests of `tracers replay`.
//
// A capture is many overlapping traces from 10.0.x.y sources: ICMP Echo
// probes (id per trace, seq = ttl<<8|attempt) or Linux-traceroute UDP probes
// (destination ports from 33434), Time Exceeded from the routers on the way
// and an Echo Reply or Port Unreachable from the destination, each ICMP
// error quoting its probe as RFC 792 says; some hops and probes stay silent.
// Unrelated traffic is mixed in: a DNS lookup before each trace and a few
// established TCP flows.
//
// gencap never reads the clock, the network or the file system: the same
// Options give the same bytes, streamed to an io.Writer with memory that
// follows the traces in flight, not the number of packets.
package gencap
