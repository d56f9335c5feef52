// Package analyze turns captured packets into traceroute traces: it decodes
// each packet, recognises probes (ICMP Echo, UDP, TCP SYN), matches every
// ICMP error, Echo Reply or TCP answer to the probe it answers, and builds
// hops and statistics.
//
// analyze never does I/O and never reads the wall clock: packets arrive as
// bytes with their capture timestamps, from a live capture or a file alike,
// and every time it reports comes from those timestamps.
package analyze
