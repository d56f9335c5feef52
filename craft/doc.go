// Package craft builds the probes tracers sends, over IPv4 (RFC 791) or
// IPv6 (RFC 8200), with gopacket layers: ICMP Echo Requests (RFC 792, RFC
// 4443), classic or Paris; UDP datagrams (RFC 768), classic, Paris or to
// one fixed port; TCP SYNs (RFC 9293). A Prober builds one run's probes of
// one Method, each with its own identity, and knows which captured packets
// are its probes and which BPF expression captures them and the replies to
// them. craft checks every probe's checksums with its own RFC 1071
// implementation, over the IPv4 and IPv6 pseudo-headers (RFC 768, RFC 9293
// section 3.1, RFC 8200 section 8.1) where the checksum covers one, and
// explains probes field by field.
//
// craft is pure: it never opens a socket, never reads the clock, never
// touches the file system or the environment, and keeps no package state.
// It returns packets in network byte order as they appear on the wire; any
// OS-specific byte order a raw socket wants for the IPv4 header is the
// business of package capture, never of craft.
package craft
