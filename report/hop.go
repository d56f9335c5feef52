package report

import (
	"fmt"
	"io"
	"net/netip"
	"strconv"

	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/analyze"
)

// Header writes the first line of a traceroute, as Linux traceroute 2.1
// prints it but under tracers' name:
//
//	tracers to example.net (10.77.5.2), 30 hops max, 60 byte packets
//
// name is the destination as the user gave it; when empty the address
// stands in for it.
func Header(w io.Writer, dst netip.Addr, name string, maxHops, packetSize int) error {
	if name == "" {
		name = dst.String()
	}
	_, err := fmt.Fprintf(w, "tracers to %s (%s), %d hops max, %d byte packets\n", name, dst, maxHops, packetSize)
	return err
}

// Hop writes one hop line exactly as Linux traceroute 2.1 prints it:
//
//	1  10.77.1.2  0.121 ms  0.010 ms  0.009 ms
//	2  * * *
//	3  10.77.3.2  0.043 ms !H  0.021 ms !H *
//	4  10.0.0.1  0.100 ms 10.0.0.2  0.200 ms  0.300 ms
//
// The TTL comes first ("%2d "). Each probe, in send order, adds " *" when
// unanswered; when answered, the responder (" addr", or " name (addr)"
// when o.Names knows one) if it differs from the last responder printed
// on this line, then "  %.3f ms" and the reply's annotation ("!H", "!N",
// ...) if any. A host that answered a TCP probe is followed by "[open]"
// (SYN-ACK) or "[closed]" (RST), as tcptraceroute prints it, and printed
// again when the next answer is of the other kind:
//
//	5  10.77.5.2 [open]  0.104 ms  0.117 ms  0.113 ms
//
// A hop past the destination ends with "  (past destination)".
// Hop writes the line with a single Write.
func Hop(w io.Writer, h analyze.Hop, o Options) error {
	_, err := w.Write(appendHop(nil, h, o))
	return err
}

// appendHop appends the line Hop writes.
func appendHop(b []byte, h analyze.Hop, o Options) []byte {
	if h.TTL >= 0 && h.TTL < 10 {
		b = append(b, ' ')
	}
	b = strconv.AppendInt(b, int64(h.TTL), 10)
	b = append(b, ' ')
	var last netip.Addr // invalid until a responder is printed
	lastMark := ""
	for _, p := range h.Probes {
		r := p.Reply
		if r == nil {
			b = append(b, " *"...)
			continue
		}
		if m := tcpMark(r); !last.IsValid() || r.From != last || m != lastMark {
			b = append(b, ' ')
			b = o.appendHost(b, r.From)
			if m != "" {
				b = append(b, ' ')
				b = append(b, m...)
			}
			last, lastMark = r.From, m
		}
		b = append(b, "  "...)
		b = appendMS3(b, r.RTT)
		b = append(b, " ms"...)
		if a := annotation(r); a != "" {
			b = append(b, ' ')
			b = append(b, a...)
		}
	}
	if h.PastDest {
		b = append(b, "  (past destination)"...)
	}
	if h.PastEnd {
		b = append(b, "  (past the end)"...)
	}
	return append(b, '\n')
}

// tcpMark is tcptraceroute's mark for a TCP answer: "[open]" for a
// SYN-ACK, "[closed]" for a RST; "" for any other reply.
func tcpMark(r *analyze.Reply) string {
	switch r.Kind {
	case analyze.TCPSynAck:
		return "[open]"
	case analyze.TCPReset:
		return "[closed]"
	}
	return ""
}

// annotation is traceroute's mark for r ("!H", "!N", ...), or "". An ICMPv6
// reply has one only as a Destination Unreachable (type 1, RFC 4443), a
// Packet Too Big (type 2: "!F", as Linux traceroute -6 marks it) or a
// fragment reassembly timeout (type 3 code 1: "!<3-1>"), whose mark
// (*analyze.Reply).Annotation gives; any other ICMPv6 type has none,
// whatever its code (Time Exceeded is type 3, IPv4's Destination
// Unreachable).
func annotation(r *analyze.Reply) string {
	if r.From.Is6() && r.Type != layers.ICMPv6TypeDestinationUnreachable && r.Type != layers.ICMPv6TypePacketTooBig &&
		r.Kind != analyze.ReassemblyTimeout {
		return ""
	}
	return r.Annotation()
}
