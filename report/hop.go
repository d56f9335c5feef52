package report

import (
	"fmt"
	"io"
	"net/netip"
	"strings"

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
// ...) if any. A hop past the destination ends with "  (past destination)".
// Hop writes the line with a single Write.
func Hop(w io.Writer, h analyze.Hop, o Options) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%2d ", h.TTL)
	var last netip.Addr // invalid until a responder is printed
	for _, p := range h.Probes {
		r := p.Reply
		if r == nil {
			b.WriteString(" *")
			continue
		}
		if !last.IsValid() || r.From != last {
			b.WriteString(" ")
			b.WriteString(o.host(r.From))
			last = r.From
		}
		b.WriteString("  ")
		b.WriteString(ms(r.RTT))
		b.WriteString(" ms")
		if a := r.Annotation(); a != "" {
			b.WriteString(" ")
			b.WriteString(a)
		}
	}
	if h.PastDest {
		b.WriteString("  (past destination)")
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}
