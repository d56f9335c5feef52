// Package analyze turns captured packets into traceroute traces: it decodes
// each packet, IPv4 or IPv6 alike, recognises probes (ICMP or ICMPv6 Echo,
// UDP, TCP SYN), matches every ICMP or ICMPv6 error, Echo Reply or TCP
// answer to the probe it answers, and builds hops and statistics.
//
// analyze never does I/O and never reads the wall clock: packets arrive as
// bytes with their capture timestamps, from a live capture or a file alike,
// and every time it reports comes from those timestamps.
package analyze
