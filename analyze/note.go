package analyze

import (
	"errors"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// Note is one decoded packet reduced to what the analyzer reads of it: 64
// bytes, a cache line, where Info with its time and error take 208. A
// replay prepares Notes on the goroutine that reads and decodes the
// capture and hands them to the analyzer on another, so that little
// memory passes between the two CPUs.
type Note struct {
	at    time.Time
	k     key // a probe's identity, or that of the probe a reply answers
	kind  noteKind
	ttl   uint8  // IP TTL of the packet
	ipid  uint16 // IP ID (probes)
	from  uint32 // source address (replies), as k holds addresses
	rkind Kind   // reply kind
	rtype uint8  // ICMP type and code (replies)
	rcode uint8
	qttl  uint8  // TTL left in the quoted probe (ICMP errors)
	dest  bool   // the reply comes from the probe's destination
	sum   uint16 // IPv6 UDP: the probe's checksum, or the quoted probe's
	tag   uint32 // k's tag in the window's index, once ahead has seen n; 0 before
}

type noteKind uint8

const (
	noteOther noteKind = iota // decoded, neither a probe nor a reply
	noteNotIP                 // no IP packet to analyse (counted as other)
	noteMalformed
	noteProbe
	noteReply
)

// Prepare fills n from a packet captured at at, which a Decoder decoded
// into inf with error err. It reads nothing the analyzer changes and
// writes only the analyzer's numbering of IPv6 addresses, which the
// analyzer reads for a note only after the note was handed to it; so it
// may run on one other goroutine (one at a time) while the analyzer
// works. AddNote(n) then does what Add would have done with the packet.
func (a *Analyzer) Prepare(n *Note, at time.Time, inf *Info, err error) {
	*n = Note{at: at}
	if err != nil {
		if errors.Is(err, errNoIPv4) || errors.Is(err, errUnknownLink) || errors.Is(err, errFragment) {
			n.kind = noteNotIP
		} else {
			n.kind = noteMalformed
		}
		return
	}
	n.ttl = inf.TTL
	if a.replyOf(inf, n) {
		n.kind = noteReply
		return
	}
	isProbe := defaultIsProbe
	if a.opt.IsProbe != nil {
		isProbe = a.opt.IsProbe
	}
	if !isProbe(inf) {
		return // noteOther
	}
	n.kind, n.ipid = noteProbe, inf.IPID
	if inf.Proto == layers.IPProtocolUDP && inf.Src.Is6() {
		n.sum = inf.UDPSum
	}
	a.setKey(&n.k, inf.Src, inf.Dst, protoOf(inf.Proto), inf.ID, inf.Seq, inf.SrcPort, inf.DstPort, inf.IPID, inf.TCPSeq)
}

// fill makes the zeroed p the Probe that note n describes, captured as
// packet frame.
func (n *Note) fill(p *Probe, frame int) {
	p.TTL, p.Sent, p.Frame, p.IPID, p.sum = int(n.ttl), n.at, frame, n.ipid, n.sum
	switch n.k.proto {
	case ICMP:
		p.ID, p.Seq = n.k.a, n.k.b
	case UDP:
		p.SrcPort, p.DstPort = n.k.a, n.k.b
	case TCP:
		p.SrcPort, p.DstPort, p.TCPSeq = n.k.a, n.k.b, n.k.c
	}
}

// reply makes r the Reply that note n describes, captured as packet
// frame, setting every field but From and RTT, which the analyzer knows. It fills r
// in place: a Reply built elsewhere and copied would cost a stall on the
// copy.
func (n *Note) reply(r *Reply, frame int) {
	r.At, r.Kind, r.Type, r.Code = n.at, n.rkind, n.rtype, n.rcode
	r.TTL, r.QuotedTTL, r.FromDest, r.Frame = n.ttl, n.qttl, n.dest, frame
}
