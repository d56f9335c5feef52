package analyze

import (
	"errors"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// Note is one decoded packet reduced to what the analyzer reads of it: 64
// bytes, a cache line, where Info with its time and error take over 200. A
// replay prepares Notes on the goroutine that reads and decodes the
// capture and hands them to the analyzer on another, so that little
// memory passes between the two CPUs. A Note holds no pointer.
type Note struct {
	at   int64  // capture time, Unix nanoseconds
	k    key    // a probe's identity, or that of the probe a reply answers
	from uint32 // source address (replies), as k holds addresses
	// alt is the destination of an ICMP error (hasAlt), as k holds
	// addresses: the prober, whose probe the quote may show with a
	// source address a NAT translated.
	alt  uint32
	flow uint32 // IPv6 flow label of the probe or the quoted probe
	tag  uint32 // k's tag in the window's index, once ahead has seen n; 0 before
	// The IP ID, transport checksum and IP length of the probe or the
	// quoted probe: has says which are known. length is the IPv4 total
	// length, or 40 + the IPv6 payload length.
	ipid, sum, length uint16
	kind              noteKind
	ttl               uint8 // IP TTL of the packet
	rkind             Kind  // reply kind
	rtype             uint8 // ICMP type and code (replies)
	rcode             uint8
	qttl              uint8 // TTL left in the quoted probe (ICMP errors)
	dest              bool  // the reply comes from the probe's destination
	tos               uint8 // IPv4 TOS or IPv6 traffic class of the probe or quoted probe
	has               uint8 // hasIPID, hasSum, hasQuote, hasAlt
}

// Bits of Note.has and Probe.has.
const (
	hasIPID  = 1 << iota // ipid is an IPv4 IP ID (of a probe or quote)
	hasSum               // sum is the checksum as sent (not left to offload; quoted)
	hasQuote             // a reply that quotes its probe (an ICMP error)
	hasAlt               // alt holds the error's destination, not the quote's source
)

type noteKind uint8

const (
	noteOther noteKind = iota // decoded, neither a probe nor a reply
	noteNotIP                 // no IP packet to analyse (counted as other)
	noteMalformed
	noteProbe
	noteReply
	// noteShortQuote: an ICMP or ICMPv6 error whose quote is too short
	// (or not the start of a packet) to name the packet it answers, as a
	// capture cut at a small snaplen leaves it (counted as other).
	noteShortQuote
	// noteUnknownLink: a link type the decoder does not read (counted as
	// other).
	noteUnknownLink
	// noteUDP: a UDP datagram that Options.IsProbe refused: no probe of
	// the run, but perhaps the destination's answer to one (udpAnswer);
	// counted as other when it answers none.
	noteUDP
)

// Prepare fills n from a packet captured at at, which a Decoder decoded
// into inf with error err. It reads nothing the analyzer changes and
// writes only the analyzer's numbering of IPv6 addresses, which the
// analyzer reads for a note only after the note was handed to it; so it
// may run on one other goroutine (one at a time) while the analyzer
// works. AddNote(n) then does what Add would have done with the packet.
func (a *Analyzer) Prepare(n *Note, at time.Time, inf *Info, err error) {
	*n = Note{at: at.UnixNano()}
	if err != nil {
		if errors.Is(err, errUnknownLink) {
			n.kind = noteUnknownLink
		} else if errors.Is(err, errNoIPv4) || errors.Is(err, errFragment) {
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
	if inf.IsError() && !inf.Quote.OK {
		if !inf.Quote.Fragment { // a later fragment's error: other
			n.kind = noteShortQuote
		}
		return
	}
	isProbe := defaultIsProbe
	if a.opt.IsProbe != nil {
		isProbe = a.opt.IsProbe
	}
	if !unicast(inf.Dst) || !inf.Src.IsValid() || inf.Src.IsUnspecified() {
		return // noteOther: a flow to a group (mDNS, SSDP, DHCP) is no trace
	}
	if !isProbe(inf) {
		if inf.Proto == layers.IPProtocolUDP {
			n.kind = noteUDP
			a.setKey(&n.k, inf.Src, inf.Dst, UDP, 0, 0, inf.SrcPort, inf.DstPort, 0)
		}
		return
	}
	n.kind, n.ipid, n.sum, n.length, n.flow, n.tos = noteProbe, inf.IPID, inf.Checksum, uint16(inf.Length), inf.FlowLabel, inf.TOS
	if !inf.Partial {
		n.has = hasSum
	}
	a.setKey(&n.k, inf.Src, inf.Dst, protoOf(inf.Proto), inf.ID, inf.Seq, inf.SrcPort, inf.DstPort, inf.TCPSeq)
}

// unicast reports whether a probe sent to ad could be part of a trace: not
// to a multicast group (224/4, ff00::/8) nor to the IPv4 limited
// broadcast address.
func unicast(ad netip.Addr) bool {
	return !ad.IsMulticast() && ad != netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

// timeOf is the time Unix nanoseconds ns stand for, in UTC.
func timeOf(ns int64) time.Time { return time.Unix(0, ns).UTC() }

// fill makes the zeroed p the Probe that note n describes, captured as
// packet frame.
func (n *Note) fill(p *Probe, frame int) {
	p.TTL, p.Sent, p.Frame, p.IPID = int(n.ttl), timeOf(n.at), frame, n.ipid
	p.sum, p.length, p.flow, p.tos, p.has = n.sum, n.length, n.flow, n.tos, n.has
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
	r.At, r.Kind, r.Type, r.Code = timeOf(n.at), n.rkind, n.rtype, n.rcode
	r.TTL, r.QuotedTTL, r.FromDest, r.Frame = n.ttl, n.qttl, n.dest, frame
}
