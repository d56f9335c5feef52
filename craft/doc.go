// Package craft builds the ICMP Echo Request probes tracers sends, IPv4 +
// ICMP (RFC 791, RFC 792) or IPv6 + ICMPv6 (RFC 8200, RFC 4443), with
// gopacket layers; checks their checksums with its own RFC 1071
// implementation, the IPv6 pseudo-header (RFC 8200 section 8.1) included;
// explains them field by field; and gives the BPF expression that captures
// a run's probes and the replies to them.
//
// craft is pure: it never opens a socket, never reads the clock, never
// touches the file system or the environment, and keeps no package state.
// It returns packets in network byte order as they appear on the wire; any
// OS-specific byte order a raw socket wants for the IPv4 header is the
// business of package capture, never of craft.
package craft
