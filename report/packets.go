package report

import (
	"encoding/binary"
	"io"
	"net/netip"
	"strconv"

	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/analyze"
)

// PacketWriter writes a packet list, one line per frame, like tshark's
// one-line summary with the columns a traceroute lab asks for, and what
// the analyzer made of the packet:
//
//	1  0.000000000        10.77.1.1 → 10.77.5.2        UDP     1  49186 → 33434 Len=32  [probe ttl=1 attempt=1 (trace 10.77.1.1->10.77.5.2)]
//	2  0.000067000        10.77.1.2 → 10.77.1.1        ICMP   64  Time-to-live exceeded (Time to live exceeded in transit), quoted dst=10.77.5.2 ttl=1 UDP 49186 → 33434 Len=32  [answers frame 1 (ttl 1), rtt 0.067 ms]
//
// The columns are the frame number, the seconds since the file's first
// packet, source and destination (link addresses for non-IP frames), the
// protocol, the IP TTL or IPv6 hop limit ("-" without IP) and the info.
// The info names ICMP and ICMPv6 types and codes as Wireshark does, and for
// an error adds the destination and TTL (hlim for IPv6) of the packet it
// quotes. Columns widen for what does not fit, IPv6 addresses among them.
type PacketWriter struct {
	w   io.Writer
	buf []byte
	lay analyze.Layers
	// attempts counts each open trace's probes by TTL: one map lookup
	// per probe, none when the probe's trace is the previous probe's
	// (last), and one delete per trace, where a map keyed by trace and
	// TTL cost a sixth of --packets' time. Counts of forgotten traces are
	// kept in spare for new ones.
	attempts map[*analyze.Trace]*attempts
	lastTr   *analyze.Trace
	last     *attempts
	spare    []*attempts
	// ends is AppendFrame's (and only its: AppendEvent may run on
	// another goroutine) text of the IPv6 addresses it wrote last.
	ends addrCache
}

// addrCache holds the text of the IPv6 addresses appended last, by a
// hash of the address: a capture names a few addresses again and again,
// and netip's formatting of an IPv6 address is the dearest part of a
// line (netip's appendTo6 was 5 % of --packets' CPU time). The figure
// that keeps it, a small one: --packets on the 2M-packet real-traffic
// capture of scripts/bench-replay.sh (replay's BenchmarkModes/packets,
// GOMAXPROCS=1, 14 runs interleaved with appendAddr alone on a loaded
// machine) took 1.308 s against 1.334 s at best, and less in each of
// the three series' medians (1.36-2.38 s against 1.46-3.05 s); 1024
// entries did no better than 64.
type addrCache struct {
	e [64]addrText
}

// addrText is an entry of addrCache; n == 0: empty.
type addrText struct {
	a    [16]byte
	n    uint8
	text [39]byte // the longest IPv6 address without a zone
}

// append appends a as appendAddr does.
func (c *addrCache) append(b []byte, a netip.Addr) []byte {
	if !a.Is6() || a.Zone() != "" {
		return appendAddr(b, a)
	}
	v := a.As16()
	h := (binary.LittleEndian.Uint64(v[:8])*0x9E3779B97F4A7C15 ^ binary.LittleEndian.Uint64(v[8:])) * 0x9E3779B97F4A7C15
	e := &c.e[h>>58]
	if e.n != 0 && e.a == v {
		return append(b, e.text[:e.n]...)
	}
	start := len(b)
	b = appendAddr(b, a)
	if t := b[start:]; len(t) <= len(e.text) {
		e.a, e.n = v, uint8(copy(e.text[:], t))
	}
	return b
}

// attempts counts a trace's probes by TTL, TTLs in the order first
// seen: a trace probes a few TTLs, a ping one (a trace that is no
// traceroute never reaches Forget, so it must stay small).
type attempts struct {
	c []ttlCount
}

type ttlCount struct {
	ttl uint8
	n   uint32
}

// Forget drops what w keeps about tr, once no packet of tr can come any
// more (an analyzer's OnTrace), so that w's memory follows the traces in
// progress.
func (pw *PacketWriter) Forget(tr *analyze.Trace) {
	a, ok := pw.attempts[tr]
	if !ok {
		return
	}
	delete(pw.attempts, tr)
	if pw.lastTr == tr {
		pw.lastTr, pw.last = nil, nil
	}
	a.c = a.c[:0]
	pw.spare = append(pw.spare, a)
}

// attempt counts one more probe with TTL ttl in tr and returns how many
// there are.
func (pw *PacketWriter) attempt(tr *analyze.Trace, ttl int) uint32 {
	if tr != pw.lastTr || pw.last == nil {
		a, ok := pw.attempts[tr]
		if !ok {
			if n := len(pw.spare); n > 0 {
				a, pw.spare = pw.spare[n-1], pw.spare[:n-1]
			} else {
				a = new(attempts)
			}
			pw.attempts[tr] = a
		}
		pw.lastTr, pw.last = tr, a
	}
	c := pw.last.c
	for i := len(c) - 1; i >= 0; i-- {
		if c[i].ttl == uint8(ttl) {
			c[i].n++
			return c[i].n
		}
	}
	pw.last.c = append(c, ttlCount{ttl: uint8(ttl), n: 1})
	return 1
}

// NewPacketWriter returns a PacketWriter writing to w.
func NewPacketWriter(w io.Writer) *PacketWriter {
	return &PacketWriter{w: w, attempts: make(map[*analyze.Trace]*attempts)}
}

// Write prints fr's line; ev is the analyzer's verdict on it, whose frame
// numbers must be those of the file (see analyze.Analyzer.Skip).
func (pw *PacketWriter) Write(fr Frame, ev analyze.Event) error {
	b := pw.AppendFrame(pw.buf[:0], fr)
	b = pw.AppendEvent(b, ev)
	pw.buf = b
	_, err := pw.w.Write(b)
	return err
}

// AppendFrame appends the start of fr's line, all but what the analyzer
// made of it, which AppendEvent appends with the newline. AppendFrame
// and AppendEvent touch different parts of pw: one goroutine may
// dissect and lay out frames with AppendFrame while another, a few
// frames behind, analyzes them and appends their events.
func (pw *PacketWriter) AppendFrame(b []byte, fr Frame) []byte {
	analyze.Dissect(fr.Link, fr.Data, &pw.lay)
	l := &pw.lay
	ip, n := top(l)
	b = appendPadInt(b, fr.Number, 5)
	b = append(b, "  "...)
	b = appendSeconds(b, fr.Rel)
	b = append(b, "  "...)
	b = pw.ends.appendEnds(b, l, ip)
	b = append(b, "  "...)
	proto := protoName(l, n)
	b = appendPadRight(b, proto, 6)
	if ip >= 0 && l.Hdr[ip].Have&analyze.HasTTL != 0 {
		if ttl := l.Hdr[ip].TTL; len(proto) >= 6 && ttl >= 100 {
			b = append(b, ' ') // the column widens: "ICMPv6 255"
		}
		b = appendPadInt(b, int(l.Hdr[ip].TTL), 3)
	} else {
		b = append(b, "  -"...)
	}
	b = append(b, "  "...)
	return appendInfo(b, l, n)
}

// AppendEvent appends what the analyzer made of a frame, ev, and the
// newline that ends the frame's line (see AppendFrame).
func (pw *PacketWriter) AppendEvent(b []byte, ev analyze.Event) []byte {
	return append(pw.appendEvent(b, ev), '\n')
}

// top returns the index of the IP header that carries the frame (the
// innermost one of a tunnel, never one an ICMP error quotes), or -1, and
// how many headers are the frame's own (the rest are quoted).
func top(l *analyze.Layers) (int, int) {
	ip := -1
	for i, h := range l.Headers() {
		switch h.Kind {
		case analyze.HdrIPv4, analyze.HdrIPv6:
			ip = i
		case analyze.HdrICMPv4, analyze.HdrICMPv6:
			return ip, i + 1
		}
	}
	return ip, l.N
}

// protoName is the protocol column: the innermost of the frame's own headers.
func protoName(l *analyze.Layers, n int) string {
	if n == 0 {
		switch l.EtherType {
		case 0:
			return "-"
		case layers.EthernetTypeIPv4:
			return "IPv4"
		case layers.EthernetTypeIPv6:
			return "IPv6"
		case layers.EthernetTypeARP:
			return "ARP"
		}
		return "0x" + strconv.FormatUint(uint64(l.EtherType), 16)
	}
	switch l.Hdr[n-1].Kind {
	case analyze.HdrIPv4:
		return "IPv4"
	case analyze.HdrIPv6:
		return "IPv6"
	case analyze.HdrICMPv4:
		return "ICMP"
	case analyze.HdrICMPv6:
		return "ICMPv6"
	case analyze.HdrUDP:
		return "UDP"
	case analyze.HdrTCP:
		return "TCP"
	case analyze.HdrARP:
		return "ARP"
	}
	return "-"
}

// appendEnds appends "SRC → DST": IP addresses, else Ethernet ones.
func (c *addrCache) appendEnds(b []byte, l *analyze.Layers, ip int) []byte {
	switch {
	case ip >= 0:
		h := &l.Hdr[ip]
		start := len(b)
		b = padLeft(c.appendAddrOr(b, h, analyze.HasSrc, true), start, 15)
		b = append(b, " → "...)
		start = len(b)
		b = c.appendAddrOr(b, h, analyze.HasDst, false)
		for len(b)-start < 15 {
			b = append(b, ' ')
		}
		return b
	case l.HasLink:
		b = appendMAC(b, l.LinkSrc)
		b = append(b, " → "...)
		return appendMAC(b, l.LinkDst)
	}
	return append(b, "- → -"...)
}

func (c *addrCache) appendAddrOr(b []byte, h *analyze.Header, has analyze.Has, src bool) []byte {
	if h.Have&has == 0 {
		return append(b, '?')
	}
	if src {
		return c.append(b, h.Src)
	}
	return c.append(b, h.Dst)
}

func appendMAC(b []byte, m [6]byte) []byte {
	const digits = "0123456789abcdef"
	for i, x := range m {
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, digits[x>>4], digits[x&0xf])
	}
	return b
}

// appendInfo appends the info column.
func appendInfo(b []byte, l *analyze.Layers, n int) []byte {
	hs := l.Headers()
	if n == 0 {
		return append(b, "-"...)
	}
	h := &hs[n-1]
	switch h.Kind {
	case analyze.HdrIPv4:
		if h.Have&analyze.HasFragment != 0 {
			b = append(b, "Fragmented IP protocol (proto="...)
			b = strconv.AppendUint(b, uint64(h.Proto), 10)
			b = append(b, ", ID="...)
			b = appendHex16(b, h.ID)
			return append(b, ')')
		}
		b = append(b, "proto="...)
		return strconv.AppendUint(b, uint64(h.Proto), 10)
	case analyze.HdrIPv6:
		b = append(b, "next header="...)
		return strconv.AppendUint(b, uint64(h.Proto), 10)
	case analyze.HdrUDP, analyze.HdrTCP:
		return appendPorts(b, h)
	case analyze.HdrARP:
		if h.Code == 2 {
			b = appendAddr(b, h.Src)
			b = append(b, " is at "...)
			return appendMAC(b, l.LinkSrc)
		}
		b = append(b, "Who has "...)
		b = appendAddr(b, h.Dst)
		b = append(b, "? Tell "...)
		return appendAddr(b, h.Src)
	case analyze.HdrICMPv6:
		b = appendICMPv6(b, h)
		if n >= 2 && hs[n-2].Kind == analyze.HdrIPv6 && h.Have&analyze.HasSeq != 0 && hs[n-2].Have&analyze.HasTTL != 0 {
			b = append(b, ", hop limit="...)
			b = strconv.AppendUint(b, uint64(hs[n-2].TTL), 10)
		}
	case analyze.HdrICMPv4:
		b = appendICMP(b, h)
	}
	// An ICMP error: what it quotes.
	q := hs[n:]
	if len(q) == 0 {
		return b
	}
	b = append(b, ", quoted"...)
	if q[0].Have&analyze.HasDst != 0 {
		b = append(b, " dst="...)
		b = appendAddr(b, q[0].Dst)
	}
	if q[0].Have&analyze.HasTTL != 0 {
		if q[0].Kind == analyze.HdrIPv6 {
			b = append(b, " hlim="...)
		} else {
			b = append(b, " ttl="...)
		}
		b = strconv.AppendUint(b, uint64(q[0].TTL), 10)
	}
	for i := 1; i < len(q); i++ {
		switch q[i].Kind {
		case analyze.HdrUDP:
			b = append(b, " UDP "...)
			b = appendPorts(b, &q[i])
		case analyze.HdrTCP:
			b = append(b, " TCP "...)
			b = appendPorts(b, &q[i])
		case analyze.HdrICMPv4:
			b = append(b, ' ')
			b = appendICMP(b, &q[i])
		case analyze.HdrICMPv6:
			b = append(b, " ICMPv6 "...)
			b = appendICMPv6(b, &q[i])
		}
	}
	return b
}

// appendPorts appends "SPORT → DPORT" and, as tshark does, UDP's payload
// length or TCP's flags.
func appendPorts(b []byte, h *analyze.Header) []byte {
	b = strconv.AppendUint(b, uint64(h.SrcPort), 10)
	b = append(b, " → "...)
	b = strconv.AppendUint(b, uint64(h.DstPort), 10)
	switch {
	case h.Kind == analyze.HdrUDP && h.Have&analyze.HasLength != 0:
		b = append(b, " Len="...)
		b = strconv.AppendInt(b, int64(h.Length)-8, 10)
	case h.Kind == analyze.HdrTCP && h.Have&analyze.HasFlags != 0:
		b = append(b, " ["...)
		first := true
		for i, name := range [...]string{"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"} {
			if h.TCPFlags&(1<<i) == 0 {
				continue
			}
			if !first {
				b = append(b, ", "...)
			}
			b, first = append(b, name...), false
		}
		b = append(b, "] Seq="...)
		b = strconv.AppendUint(b, uint64(h.TCPSeq), 10)
	}
	return b
}

// appendICMPv6 appends an ICMPv6 message's type and code in Wireshark's
// words ("Time Exceeded (hop limit exceeded in transit)"), an echo's
// identifier and sequence number, or the numbers of a type it does not name.
func appendICMPv6(b []byte, h *analyze.Header) []byte {
	name := icmpv6TypeName(h.Type)
	if name == "" {
		b = append(b, "ICMPv6 type="...)
		b = strconv.AppendUint(b, uint64(h.Type), 10)
		b = append(b, " code="...)
		return strconv.AppendUint(b, uint64(h.Code), 10)
	}
	code := ""
	if h.Have&analyze.HasCode != 0 {
		code = icmpv6CodeName(h.Type, h.Code)
	}
	return appendICMPWords(b, h, name, code, false)
}

// appendICMP appends an ICMP message's type and code in Wireshark's words.
func appendICMP(b []byte, h *analyze.Header) []byte {
	return appendICMPWords(b, h, icmpTypeName(h.Type), icmpCodeName(h.Type, h.Code), true)
}

// appendICMPWords appends an ICMP or ICMPv6 message's type name, its code's
// name in parentheses unless code is "", and an echo's identifier and
// sequence number, the sequence number in both byte orders as Wireshark
// shows it for ICMP when both is set.
func appendICMPWords(b []byte, h *analyze.Header, name, code string, both bool) []byte {
	b = append(b, name...)
	if code != "" {
		b = append(b, " ("...)
		b = append(b, code...)
		b = append(b, ')')
	}
	if h.Have&analyze.HasIdent != 0 {
		b = append(b, " id="...)
		b = appendHex16(b, h.Ident)
	}
	if h.Have&analyze.HasSeq != 0 {
		b = append(b, ", seq="...)
		b = strconv.AppendUint(b, uint64(h.Seq), 10)
		if both {
			b = append(b, '/')
			b = strconv.AppendUint(b, uint64(swap16(h.Seq)), 10)
		}
	}
	return b
}

func icmpTypeName(t uint8) string {
	switch t {
	case layers.ICMPv4TypeEchoReply:
		return "Echo (ping) reply"
	case layers.ICMPv4TypeDestinationUnreachable:
		return "Destination unreachable"
	case layers.ICMPv4TypeSourceQuench:
		return "Source quench (flow control)"
	case layers.ICMPv4TypeRedirect:
		return "Redirect"
	case layers.ICMPv4TypeEchoRequest:
		return "Echo (ping) request"
	case layers.ICMPv4TypeRouterAdvertisement:
		return "Router advertisement"
	case layers.ICMPv4TypeRouterSolicitation:
		return "Router solicitation"
	case layers.ICMPv4TypeTimeExceeded:
		return "Time-to-live exceeded"
	case layers.ICMPv4TypeParameterProblem:
		return "Parameter problem"
	case layers.ICMPv4TypeTimestampRequest:
		return "Timestamp request"
	case layers.ICMPv4TypeTimestampReply:
		return "Timestamp reply"
	case layers.ICMPv4TypeInfoRequest:
		return "Information request"
	case layers.ICMPv4TypeInfoReply:
		return "Information reply"
	case layers.ICMPv4TypeAddressMaskRequest:
		return "Address mask request"
	case layers.ICMPv4TypeAddressMaskReply:
		return "Address mask reply"
	}
	return "Unknown ICMP (obsolete or malformed?) type " + strconv.Itoa(int(t))
}

// icmpCodeName is Wireshark's name for an error's code, or "".
func icmpCodeName(t, c uint8) string {
	switch t {
	case layers.ICMPv4TypeDestinationUnreachable:
		switch c {
		case 0:
			return "Network unreachable"
		case 1:
			return "Host unreachable"
		case 2:
			return "Protocol unreachable"
		case 3:
			return "Port unreachable"
		case 4:
			return "Fragmentation needed"
		case 5:
			return "Source route failed"
		case 6:
			return "Destination network unknown"
		case 7:
			return "Destination host unknown"
		case 8:
			return "Source host isolated"
		case 9:
			return "Network administratively prohibited"
		case 10:
			return "Host administratively prohibited"
		case 11:
			return "Network unreachable for TOS"
		case 12:
			return "Host unreachable for TOS"
		case 13:
			return "Communication administratively filtered"
		case 14:
			return "Host precedence violation"
		case 15:
			return "Precedence cutoff in effect"
		}
	case layers.ICMPv4TypeTimeExceeded:
		switch c {
		case 0:
			return "Time to live exceeded in transit"
		case 1:
			return "Fragment reassembly time exceeded"
		}
	case layers.ICMPv4TypeRedirect:
		switch c {
		case 0:
			return "Redirect for network"
		case 1:
			return "Redirect for host"
		case 2:
			return "Redirect for TOS and network"
		case 3:
			return "Redirect for TOS and host"
		}
	case layers.ICMPv4TypeParameterProblem:
		switch c {
		case 0:
			return "Pointer indicates the error"
		case 1:
			return "Required option missing"
		case 2:
			return "Bad length"
		}
	default:
		return ""
	}
	return "code " + strconv.Itoa(int(c))
}

// appendEvent appends what the analyzer made of the frame, in brackets.
func (pw *PacketWriter) appendEvent(b []byte, ev analyze.Event) []byte {
	switch ev.Kind {
	case analyze.EventProbe:
		p := ev.Probe
		n := pw.attempt(ev.Trace, p.TTL)
		if p.TTL >= analyze.OrdinaryTTL && len(pw.last.c) == 1 {
			// A ping (or a DNS query, a TCP connection): the analyzer
			// takes it as a probe, and only a second TTL would make it
			// a trace.
			b = append(b, "  [not a traceroute so far: ttl="...)
			b = strconv.AppendInt(b, int64(p.TTL), 10)
			b = append(b, " sent "...)
			b = strconv.AppendInt(b, int64(n), 10)
			if n == 1 {
				return append(b, " time]"...)
			}
			return append(b, " times]"...)
		}
		b = append(b, "  [probe ttl="...)
		b = strconv.AppendInt(b, int64(p.TTL), 10)
		b = append(b, " attempt="...)
		b = strconv.AppendInt(b, int64(n), 10)
		if ev.Trace != nil {
			b = append(b, " (trace "...)
			b = appendAddr(b, ev.Trace.Src)
			b = append(b, "->"...)
			b = appendAddr(b, ev.Trace.Dst)
			b = append(b, ')')
		}
		return append(b, ']')
	case analyze.EventReply:
		p := ev.Probe
		b = append(b, "  [answers frame "...)
		b = strconv.AppendInt(b, int64(p.Frame), 10)
		b = append(b, " (ttl "...)
		b = strconv.AppendInt(b, int64(p.TTL), 10)
		b = append(b, ")"...)
		if p.Reply != nil {
			b = append(b, ", rtt "...)
			b = appendMS3(b, p.Reply.RTT)
			b = append(b, " ms"...)
		}
		return append(b, ']')
	case analyze.EventUnmatched:
		if p := ev.Probe; p != nil && p.Reply != nil {
			// The reply its probe already had, captured again, or a
			// second answer to it.
			b = append(b, "  [answers frame "...)
			b = strconv.AppendInt(b, int64(p.Frame), 10)
			b = append(b, " (ttl "...)
			b = strconv.AppendInt(b, int64(p.TTL), 10)
			b = append(b, ") again, answered by frame "...)
			b = strconv.AppendInt(b, int64(p.Reply.Frame), 10)
			return append(b, ']')
		}
		return append(b, "  [unmatched reply]"...)
	case analyze.EventDuplicate:
		b = append(b, "  [duplicate of frame "...)
		b = strconv.AppendInt(b, int64(ev.Probe.Frame), 10)
		return append(b, ']')
	case analyze.EventMalformed:
		return append(b, "  [malformed]"...)
	}
	return b
}

func appendPadInt(b []byte, v, width int) []byte {
	start := len(b)
	b = strconv.AppendInt(b, int64(v), 10)
	return padLeft(b, start, width)
}

// padLeft right-aligns b[start:] in width columns.
func padLeft(b []byte, start, width int) []byte {
	n := len(b) - start
	if n >= width {
		return b
	}
	pad := width - n
	for range pad {
		b = append(b, ' ')
	}
	copy(b[start+pad:], b[start:start+n])
	for i := start; i < start+pad; i++ {
		b[i] = ' '
	}
	return b
}

func appendPadRight(b []byte, s string, width int) []byte {
	b = append(b, s...)
	for i := len(s); i < width; i++ {
		b = append(b, ' ')
	}
	return b
}
