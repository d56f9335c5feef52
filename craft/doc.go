// Package craft builds the IPv4 ICMP Echo Request probes tracers sends, and
// checks the checksums of such packets with its own RFC 1071 implementation.
//
// craft is pure: it never opens a socket, never reads the clock, never
// touches the file system or the environment, and keeps no package state.
// It returns packets in network byte order as they appear on the wire; any
// OS-specific byte order a raw socket wants for the IPv4 header is the
// business of package capture, never of craft.
package craft
