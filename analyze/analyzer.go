package analyze

import (
	"cmp"
	"encoding/binary"
	"math"
	"net/netip"
	"slices"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// Options tune an Analyzer. The zero value suits a capture file.
type Options struct {
	// IsProbe, when set, decides which decoded packets are probes. The
	// default takes every ICMP Echo Request, UDP datagram and TCP SYN.
	IsProbe func(*Info) bool
	// Window is how long a probe waits for its reply, in capture time,
	// before it can no longer be matched (default 30s).
	Window time.Duration
	// Gap ends a trace: a probe more than Gap after the previous probe of
	// the same source, destination and method starts a new trace (default 20s).
	Gap time.Duration
	// MaxProbes cuts a trace into parts of at most this many probes, each
	// a Trace of its own (default 16384), so that a trace that never ends
	// (mtr left running for hours) holds only its latest parts in memory.
	// A part is handed over once its late replies can no longer come.
	MaxProbes int
	// MaxWindow bounds the probes the analyzer holds at once (default
	// 1<<18, about 60 MB): the window forgets its oldest probe early
	// rather than hold more (Stats.Forgotten counts them), and with
	// OnTrace set the traces idle longest are handed over early when the
	// open traces hold more (Stats.Shed counts them), so that memory
	// stays bounded whatever the capture (a scan sending a million probes
	// within Window). Replies to probes forgotten early count as unmatched
	// or late. Negative: no bound.
	MaxWindow int
	// OnTrace, when set, receives each finished traceroute trace as soon as
	// it is idle for Gap, and the rest at Close; finished traces are then
	// forgotten, so memory follows the probes in flight, not the capture.
	// When nil, Traces returns them all.
	OnTrace func(*Trace)
}

// EventKind says what one packet was to the analyzer.
type EventKind uint8

// Event kinds.
const (
	EventOther     EventKind = iota // not a probe, not a reply
	EventMalformed                  // could not be decoded
	EventProbe                      // a new probe
	EventDuplicate                  // a second capture of a probe already seen
	EventReply                      // a reply matched to a probe
	EventUnmatched                  // a reply that answers no probe seen
)

// Event is the analyzer's verdict on one packet.
type Event struct {
	Kind  EventKind
	Frame int
	Probe *Probe // for EventProbe, EventDuplicate and EventReply
	Trace *Trace // the probe's trace
	Info  *Info  // the decoded packet; valid until the next Add
}

// Stats counts packets by verdict.
type Stats struct {
	Packets, Malformed, Other       int
	Probes, Duplicates              int
	Replies, Unmatched, LateReplies int
	// Forgotten counts probes forgotten before Window passed, and Shed
	// traces handed over before they were idle, to stay within
	// Options.MaxWindow. Either one set means some replies may have gone
	// unmatched and some traces may be cut in parts.
	Forgotten, Shed int
}

// dupWindow is how soon a copy of a probe must follow it to count as the
// same packet captured twice rather than the probe sent again.
const dupWindow = 100 * time.Millisecond

// key is the identity a probe carries and its replies echo. It holds no
// pointers and is 20 bytes, so that the window hashes it quickly and its
// entries give the garbage collector nothing to scan. An address is the
// IPv4 address big endian, or with v6 set the IPv6 address's number in
// the analyzer's addrTable.
type key struct {
	src, dst uint32
	c        uint32
	a, b     uint16
	proto    Proto
	v6       bool
}

// traceKey groups probes into traces: source, destination, method, and for
// ICMP the echo identifier, which every common tool keeps for a whole run
// (so a ping to the same host is never mixed into a trace).
type traceKey struct {
	src, dst uint32 // as in key
	flow     uint16
	proto    Proto
	v6       bool
}

// addrID is ad as a key holds it (Prepare's goroutine).
func (a *Analyzer) addrID(ad netip.Addr) uint32 {
	if ad.Is4() {
		b := ad.As4()
		return binary.BigEndian.Uint32(b[:])
	}
	if !ad.Is6() {
		return 0
	}
	if a.names == nil {
		a.names = newAddrTable()
	}
	return a.names.id(ad)
}

// addrOf is the address a key holds as id.
func (a *Analyzer) addrOf(id uint32, v6 bool) netip.Addr {
	if v6 {
		return a.names.addr(id)
	}
	return netip.AddrFrom4([4]byte{byte(id >> 24), byte(id >> 16), byte(id >> 8), byte(id)})
}

// traceKeyOf is the trace that a probe with identity k belongs to.
func traceKeyOf(k key) traceKey {
	tk := traceKey{src: k.src, dst: k.dst, proto: k.proto, v6: k.v6}
	if k.proto == ICMP {
		tk.flow = k.a
	}
	return tk
}

type openTrace struct {
	last int64 // capture time of the latest probe, Unix nanoseconds
	tr   *Trace
}

// Analyzer matches replies to probes over a stream of packets. It is not
// safe for concurrent use.
type Analyzer struct {
	opt   Options
	dec   *Decoder
	inf   Info
	frame int
	// win holds the probes still within Window, by identity.
	win    *window
	active *activeTable // the trace each trace key's next probe joins
	// open is the active traces with the time of their latest probe,
	// densely, so that the idle sweep reads no Trace (Trace.open indexes it).
	open []openTrace
	idle []*Trace // scratch for the idle sweep
	done []*Trace
	next int64 // next idle sweep, Unix nanoseconds
	// held probes: those of the open traces, bounded by MaxWindow.
	holding int
	stats   Stats
	note    Note // scratch for Add
	// names numbers IPv6 addresses for the keys; made at the first one.
	// Prepare writes it, on its goroutine; see addrTable.
	names *addrTable
	// Probes and traces given back by Recycle: held until the window
	// forgets them (from heldOff on), then free for reuse.
	held       []held
	heldOff    int
	free       []*Probe
	freeTraces []*Trace
	slices     [][]*Probe // empty probe slices of recycled traces
}

// New returns an Analyzer.
func New(o Options) *Analyzer {
	if o.Window <= 0 {
		o.Window = 30 * time.Second
	}
	if o.Gap <= 0 {
		o.Gap = 20 * time.Second
	}
	if o.MaxProbes <= 0 {
		o.MaxProbes = 16384
	}
	switch {
	case o.MaxWindow == 0:
		o.MaxWindow = DefaultMaxWindow
	case o.MaxWindow < 0:
		o.MaxWindow = 0
	}
	return &Analyzer{
		opt:    o,
		dec:    NewDecoder(),
		win:    newWindow(o.MaxWindow),
		next:   math.MinInt64, // sweep at the first packet
		active: newActiveTable(),
	}
}

// DefaultMaxWindow is Options.MaxWindow's default: on the 2M-packet mix of
// real captures (scripts/bench-replay.sh) the window holds at most about
// 30k probes, so the bound is far off for traceroute traffic; a yarrp-like
// scan of a million probes in one window replays within 160 MB under it.
const DefaultMaxWindow = 1 << 18

// Stats returns the counts so far.
func (a *Analyzer) Stats() Stats {
	s := a.stats
	s.Forgotten = a.win.forgot
	return s
}

// Add feeds one packet. Packets must come in capture order. The event's
// Info is the decoded packet.
func (a *Analyzer) Add(p Packet) Event {
	err := a.dec.Decode(p.Link, p.Data, &a.inf)
	a.Prepare(&a.note, p.Time, &a.inf, err)
	ev := a.AddNote(&a.note)
	ev.Info = &a.inf
	return ev
}

// AddNote feeds one packet that Prepare made into n. Packets must come in
// capture order. The event's Info is nil.
func (a *Analyzer) AddNote(n *Note) Event {
	var ev Event
	a.addNote(n, &ev)
	return ev
}

// AddNotes feeds the packets that Prepare made into ns, in order, as
// AddNote does one by one, without their events; a replay feeds batches
// of notes this way. While it works on one note it starts loading the
// slot of the window's index that the note lookAhead places on will look
// up (PREFETCHT0 on amd64), so that the wait for memory overlaps work.
// The figure that keeps it: replaying the 2M-packet real-traffic mix
// (scripts/bench-replay.sh) as json, CPU profiles of 3 runs in turns with
// and without the prefetch, window.find took 0.07-0.13 s against
// 0.34-0.53 s and AddNotes 0.88-1.01 s against 1.18-1.40 s: a quarter of
// the analyzer's time, waiting for index slots the reader and the
// renderer had pushed out of the cache. (BenchmarkAddNotes alone, whose
// index stays in the cache, shows no difference.)
func (a *Analyzer) AddNotes(ns []Note) {
	var ev Event
	for i := range min(lookAhead, len(ns)) {
		a.ahead(&ns[i])
	}
	for i := range ns {
		if j := i + lookAhead; j < len(ns) {
			a.ahead(&ns[j])
		}
		a.addNote(&ns[i], &ev)
	}
}

// lookAhead is how many notes after the one it works on AddNotes starts
// loading memory for.
const lookAhead = 8

// Ahead starts loading what AddNote(n) will look up, for a caller that
// feeds notes one by one, wants their events, and knows the next few: it
// calls Ahead for the note a few places on (AddNotes' lookAhead) before
// each AddNote. The note must come from Prepare; AddNote then reads it as
// it would have without.
func (a *Analyzer) Ahead(n *Note) { a.ahead(n) }

// ahead starts loading the slot of the window's index that note n will
// look up.
func (a *Analyzer) ahead(n *Note) {
	if n.kind == noteProbe || n.kind == noteReply {
		n.tag = a.win.tag(&n.k)
		a.win.touch(n.tag)
	}
}

// tagOf is n's tag in the window's index.
func (a *Analyzer) tagOf(n *Note) uint32 {
	if n.tag != 0 {
		return n.tag
	}
	return a.win.tag(&n.k)
}

func (a *Analyzer) addNote(n *Note, ev *Event) {
	a.frame++
	a.stats.Packets++
	*ev = Event{Frame: a.frame}
	switch n.kind {
	case noteNotIP:
		a.stats.Other++
		ev.Kind = EventOther
		return
	case noteMalformed:
		a.stats.Malformed++
		ev.Kind = EventMalformed
		return
	}
	now := n.at.UnixNano()
	a.expire(now)
	switch n.kind {
	case noteReply:
		a.stats.Replies++
		a.match(n, now, ev)
	case noteProbe:
		a.addProbe(n, now, ev)
	default:
		a.stats.Other++
	}
}

func defaultIsProbe(inf *Info) bool {
	switch inf.Proto {
	case layers.IPProtocolICMPv4:
		return inf.Type == layers.ICMPv4TypeEchoRequest
	case layers.IPProtocolICMPv6:
		return inf.Type == layers.ICMPv6TypeEchoRequest
	case layers.IPProtocolUDP:
		return true
	case layers.IPProtocolTCP:
		return inf.SYN && !inf.ACK && !inf.RST
	}
	return false
}

func protoOf(p layers.IPProtocol) Proto {
	switch p {
	case layers.IPProtocolICMPv4, layers.IPProtocolICMPv6:
		return ICMP
	case layers.IPProtocolUDP:
		return UDP
	case layers.IPProtocolTCP:
		return TCP
	}
	return 0
}

// setKey makes the zeroed *k the identity a probe carries and its
// replies echo (Prepare's goroutine). It fills *k in place: building a
// key and copying it stalled on the copy. IPv6 has no IP ID: an IPv6 UDP
// probe's key holds its ports alone, and match tells apart the probes
// that share them by their UDP checksum (Note.sum).
func (a *Analyzer) setKey(k *key, src, dst netip.Addr, proto Proto, id, seq, sport, dport, ipid uint16, tcpSeq uint32) {
	k.src, k.dst, k.proto, k.v6 = a.addrID(src), a.addrID(dst), proto, src.Is6()
	switch proto {
	case ICMP:
		k.a, k.b = id, seq
	case UDP:
		k.a, k.b = sport, dport
		if !k.v6 {
			k.c = uint32(ipid)
		}
	case TCP:
		k.a, k.b, k.c = sport, dport, tcpSeq
	}
}

// replyOf recognises a reply: it fills n with the identity of the probe it
// answers and what the reply says (Prepare's goroutine).
func (a *Analyzer) replyOf(inf *Info, n *Note) bool {
	switch {
	case inf.IsError() && (inf.Proto == layers.IPProtocolICMPv4 || inf.Proto == layers.IPProtocolICMPv6):
		if !a.errorOf(inf, n) {
			return false
		}
	case inf.Proto == layers.IPProtocolICMPv4 && inf.Type == layers.ICMPv4TypeEchoReply,
		inf.Proto == layers.IPProtocolICMPv6 && inf.Type == layers.ICMPv6TypeEchoReply:
		n.rkind, n.dest = EchoReply, true
		a.setKey(&n.k, inf.Dst, inf.Src, ICMP, inf.ID, inf.Seq, 0, 0, 0, 0)
	case inf.Proto == layers.IPProtocolTCP && inf.ACK && (inf.SYN || inf.RST):
		n.rkind, n.dest = TCPSynAck, true
		if inf.RST {
			n.rkind = TCPReset
		}
		a.setKey(&n.k, inf.Dst, inf.Src, TCP, 0, 0, inf.DstPort, inf.SrcPort, 0, inf.TCPAck-1)
	default:
		return false
	}
	n.from = a.addrID(inf.Src)
	return true
}

// errorOf fills n from an ICMP or ICMPv6 error inf that quotes a probe of
// the same IP version, or reports that it quotes none (replyOf's part for
// errors).
func (a *Analyzer) errorOf(inf *Info, n *Note) bool {
	v6 := inf.Proto == layers.IPProtocolICMPv6
	q := &inf.Quote
	if !q.OK || !q.Src.IsValid() || q.Src.Is6() != v6 {
		return false
	}
	icmp, echo, kind := layers.IPProtocolICMPv4, uint8(layers.ICMPv4TypeEchoRequest), errorKind
	if v6 {
		icmp, echo, kind = layers.IPProtocolICMPv6, layers.ICMPv6TypeEchoRequest, errorKind6
	}
	proto := protoOf(q.Proto)
	if proto == 0 || (proto == ICMP && (q.Proto != icmp || q.Type != echo)) {
		return false
	}
	n.rtype, n.rcode, n.qttl = inf.Type, inf.Code, q.TTL
	n.rkind = kind(inf.Type, inf.Code)
	// A Time Exceeded is never the destination's answer, even when the
	// destination sent it.
	n.dest = inf.Src == q.Dst && n.rkind != TimeExceeded && n.rkind != OtherError
	// setKey keeps the IP ID of IPv4 quotes only.
	a.setKey(&n.k, q.Src, q.Dst, proto, q.ID, q.Seq, q.SrcPort, q.DstPort, q.IPID, q.TCPSeq)
	if v6 && proto == UDP {
		n.sum = q.UDPSum
	}
	return true
}

func errorKind(typ, code uint8) Kind {
	switch typ {
	case layers.ICMPv4TypeTimeExceeded:
		return TimeExceeded
	case layers.ICMPv4TypeDestinationUnreachable:
		switch code {
		case 0, 6, 8, 11:
			return NetUnreachable
		case 1, 7, 12:
			return HostUnreachable
		case 2:
			return ProtoUnreachable
		case 3:
			return PortUnreachable
		case 4:
			return FragNeeded
		case 5:
			return SourceRouteFailed
		case 9, 10, 13:
			return AdminProhibited
		}
		return Unreachable
	}
	return OtherError
}

// errorKind6 classifies an ICMPv6 error (RFC 4443 section 3).
func errorKind6(typ, code uint8) Kind {
	switch typ {
	case layers.ICMPv6TypeTimeExceeded:
		return TimeExceeded
	case layers.ICMPv6TypePacketTooBig:
		return FragNeeded
	case layers.ICMPv6TypeDestinationUnreachable:
		switch code {
		case layers.ICMPv6CodeNoRouteToDst, layers.ICMPv6CodeRejectRouteToDst:
			return NetUnreachable
		case layers.ICMPv6CodeAdminProhibited, layers.ICMPv6CodeSrcAddressFailedPolicy:
			return AdminProhibited
		case layers.ICMPv6CodeAddressUnreachable:
			return HostUnreachable
		case layers.ICMPv6CodePortUnreachable:
			return PortUnreachable
		case 7: // error in source routing header (RFC 6554)
			return SourceRouteFailed
		}
		return Unreachable // 2: beyond scope of source address, and others
	}
	return OtherError
}

// match finds the probe that reply n, captured at now (Unix nanoseconds),
// answers.
func (a *Analyzer) match(n *Note, now int64, ev *Event) {
	var hit *Probe
	var sent int64
	late := false
	// Wireshark's rule: the latest probe sent before the reply, preferring
	// one still unanswered. IPv6 UDP probes that share their ports prefer
	// the one whose checksum the quote echoes; a probe captured before its
	// checksum was filled in (offload) falls back to the rule.
	var fallback *Probe
	var fallbackSent int64
	for num, ok := a.win.latest(&n.k, a.tagOf(n)); ok; num, ok = a.win.before(num) {
		if sent = a.win.sent(num); sent > now {
			continue
		}
		p := a.win.probe(num)
		if n.sum != 0 {
			if p.sum == n.sum {
				if p.Reply == nil {
					hit = p
				} else {
					late, fallback = true, nil // that very probe was answered
				}
				break
			}
			if p.Reply != nil {
				late = true
			} else if fallback == nil {
				fallback, fallbackSent = p, sent
			}
			continue
		}
		if p.Reply == nil {
			hit = p
			break
		}
		late = true
	}
	if hit == nil && fallback != nil {
		hit, sent = fallback, fallbackSent
	}
	if hit == nil {
		if late {
			a.stats.LateReplies++
		} else {
			a.stats.Unmatched++
		}
		ev.Kind = EventUnmatched
		return
	}
	tr := hit.trace
	if tr.finished {
		// With OnTrace set, hit's trace went to OnTrace, which may be
		// reading it on another goroutine: it is never changed again.
		tr = nil
		if a.opt.OnTrace != nil {
			a.stats.LateReplies++
			ev.Kind = EventUnmatched
			return
		}
	}
	n.reply(&hit.reply, a.frame)
	hit.reply.From = a.addrOf(n.from, n.k.v6)
	hit.reply.RTT = time.Duration(now - sent)
	hit.Reply = &hit.reply
	if tr != nil && n.rkind == TimeExceeded {
		tr.hasTE = true
	}
	ev.Kind, ev.Probe, ev.Trace = EventReply, hit, tr
}

// addProbe adds probe n, captured at now (Unix nanoseconds).
func (a *Analyzer) addProbe(n *Note, now int64, ev *Event) {
	var last *Probe
	sp, num := a.win.lookup(&n.k, a.tagOf(n))
	if sp.found {
		last = a.win.probe(num)
		dt := time.Duration(now - a.win.sent(num))
		// The same packet captured twice keeps its IP ID and comes again
		// within microseconds (-i any, a router's in and out); tcptraceroute's
		// probes share ports and sequence number and differ only in the IP
		// ID; lft sends a probe again, byte for byte, after 250ms.
		if dt >= 0 && dt < dupWindow && n.ipid == last.IPID && n.sum == last.sum && (int(n.ttl) == last.TTL || int(n.ttl) == last.TTL-1) {
			a.stats.Duplicates++
			ev.Kind, ev.Probe = EventDuplicate, last
			return
		}
	}
	tk := traceKeyOf(n.k)
	tr := a.active.get(tk)
	if tr != nil && time.Duration(now-a.open[tr.open].last) > a.opt.Gap {
		a.finish(tk, tr)
		tr = nil
	}
	if tr != nil && len(tr.Probes) >= a.opt.MaxProbes {
		// Cut: tr stays open, out of active, until the idle sweep finds
		// it past Window and hands it over.
		a.active.del(tk, tr)
		tr = nil
	}
	if tr == nil {
		tr = a.newTrace()
		tr.Src, tr.Dst, tr.Proto, tr.Probes = a.addrOf(n.k.src, n.k.v6), a.addrOf(n.k.dst, n.k.v6), n.k.proto, a.probeSlice()
		tr.first, tr.firstFrame, tr.key, tr.open = n.at, a.frame, tk, len(a.open)
		a.active.put(tk, tr)
		a.open = append(a.open, openTrace{tr: tr})
	}
	p := a.newProbe()
	n.fill(p, a.frame)
	p.trace = tr
	if last != nil {
		p.Ambiguous = true
		tr.Ambiguous++
	}
	if len(tr.Probes) == 0 {
		tr.firstTTL = p.TTL
	} else if tr.firstTTL != p.TTL {
		tr.manyTTL = true
	}
	tr.Probes = append(tr.Probes, p)
	tr.last = n.at
	a.open[tr.open].last = now
	a.win.add(sp, &n.k, p, now)
	a.stats.Probes++
	ev.Kind, ev.Probe, ev.Trace = EventProbe, p, tr
	if a.holding++; a.holding > a.opt.MaxWindow && a.opt.MaxWindow > 0 && a.opt.OnTrace != nil {
		a.shed(tr)
	}
}

// shed hands over the open traces idle longest, but keep, until the open
// traces hold an eighth less than MaxWindow probes, so that it runs once
// per MaxWindow/8 probes at most.
func (a *Analyzer) shed(keep *Trace) {
	idle := a.idle[:0]
	for _, o := range a.open {
		if o.tr != keep {
			idle = append(idle, o.tr)
		}
	}
	// Idle longest first: a.open holds each trace's latest capture time.
	slices.SortFunc(idle, func(x, y *Trace) int { return cmp.Compare(a.open[x.open].last, a.open[y.open].last) })
	for _, tr := range idle {
		if a.holding <= a.opt.MaxWindow-a.opt.MaxWindow/8 {
			break
		}
		a.stats.Shed++
		a.finish(tr.key, tr)
	}
	clear(idle)
	a.idle = idle[:0]
}

// expire forgets probes older than Window and finishes idle traces, at
// capture time now (Unix nanoseconds).
func (a *Analyzer) expire(now int64) {
	a.win.expire(now, a.opt.Window)
	if a.opt.OnTrace == nil || now < a.next {
		return
	}
	a.next = now + int64(time.Second)
	idle := a.idle[:0]
	for _, o := range a.open {
		if d := time.Duration(now - o.last); d > a.opt.Gap && d > a.opt.Window {
			idle = append(idle, o.tr)
		}
	}
	byFirst(idle) // a.open is in no useful order; OnTrace sees first-seen order
	for _, tr := range idle {
		a.finish(tr.key, tr)
	}
	clear(idle) // hold no finished trace
	a.idle = idle[:0]
}

// byFirst sorts traces in the order their first probe was captured.
func byFirst(trs []*Trace) {
	slices.SortFunc(trs, func(a, b *Trace) int { return cmp.Compare(a.firstFrame, b.firstFrame) })
}

func (a *Analyzer) finish(tk traceKey, tr *Trace) {
	tr.finished = true
	a.holding -= len(tr.Probes)
	a.active.del(tk, tr)
	last := len(a.open) - 1
	a.open[tr.open] = a.open[last]
	a.open[tr.open].tr.open = tr.open
	a.open[last] = openTrace{}
	a.open = a.open[:last]
	if !tr.IsTraceroute() {
		return
	}
	if a.opt.OnTrace != nil {
		a.opt.OnTrace(tr)
		return
	}
	a.done = append(a.done, tr)
}

// Close finishes every trace still open; with OnTrace set they are handed
// over in the order their first probe was seen.
func (a *Analyzer) Close() {
	open := make([]*Trace, 0, len(a.open))
	for _, o := range a.open {
		open = append(open, o.tr)
	}
	byFirst(open)
	for _, tr := range open {
		a.finish(tr.key, tr)
	}
}

// Traces returns the traceroute traces found so far, finished or not, in
// the order their first probe was seen (without OnTrace).
func (a *Analyzer) Traces() []*Trace {
	out := append([]*Trace(nil), a.done...)
	for _, o := range a.open {
		if tr := o.tr; tr.IsTraceroute() {
			out = append(out, tr)
		}
	}
	byFirst(out)
	return out
}
