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
	// the same source, destination and method starts a new trace (default
	// 20s), unless it continues the trace within Pause.
	Gap time.Duration
	// Pause is how long one run may wait between probes and stay one
	// trace (traceroute waiting for reverse lookups) when its next probe
	// continues it: for ICMP the same echo identifier and a sequence
	// number up to 64 further, for UDP a destination port up to 64
	// further or the same ports (Paris), for TCP the same ports and a
	// sequence number the same or a little further (default 6*Gap). An idle trace that has not ended (no answer from the
	// destination, no unreachable) is handed to OnTrace only past Pause.
	Pause time.Duration
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
	EventUnmatched                  // a reply that answers no probe seen, or one already answered
)

// Event is the analyzer's verdict on one packet.
type Event struct {
	Kind  EventKind
	Frame int
	// Probe is the probe of an EventProbe or EventReply, the one an
	// EventDuplicate repeats, and for an EventUnmatched, when set, the
	// probe the reply echoes exactly (identity, IP ID and checksum) but
	// an earlier reply already answered: a second answer, or the same
	// reply captured twice.
	Probe *Probe
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
	// ShortQuotes counts ICMP and ICMPv6 errors (counted in Other too)
	// whose quote is too short to name the packet they answer: a capture
	// cut at a small snaplen leaves them so, and their probes then show
	// as unanswered.
	ShortQuotes int
	// UnknownLink counts packets of a link type the decoder does not read
	// (counted in Other too).
	UnknownLink int
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
	if o.Pause <= 0 {
		o.Pause = 6 * o.Gap
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
	case noteNotIP, noteUnknownLink:
		a.stats.Other++
		if n.kind == noteUnknownLink {
			a.stats.UnknownLink++
		}
		ev.Kind = EventOther
		return
	case noteMalformed:
		a.stats.Malformed++
		ev.Kind = EventMalformed
		return
	}
	now := n.at
	a.expire(now)
	switch n.kind {
	case noteReply:
		a.stats.Replies++
		a.match(n, now, ev)
	case noteProbe:
		a.addProbe(n, now, ev)
	case noteUDP:
		if !a.udpAnswer(n, now, ev) {
			a.stats.Other++
		}
	case noteShortQuote:
		a.stats.Other++
		a.stats.ShortQuotes++
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
// replies echo (Prepare's goroutine): what the sending tool relies on,
// the ICMP echo identifier and sequence, the UDP ports, the TCP ports and
// sequence. It fills *k in place: building a key and copying it stalled
// on the copy. The probes that share a key (Paris UDP keeps its ports for
// the whole run; tcptraceroute its ports and sequence) are told apart by
// their IPv4 IP ID and transport checksum (Note.ipid, Note.sum), which a
// middlebox may rewrite: match prefers the probe whose fields the quote
// echoes, and does not drop a reply when none does.
func (a *Analyzer) setKey(k *key, src, dst netip.Addr, proto Proto, id, seq, sport, dport uint16, tcpSeq uint32) {
	k.src, k.dst, k.proto, k.v6 = a.addrID(src), a.addrID(dst), proto, src.Is6()
	switch proto {
	case ICMP:
		k.a, k.b = id, seq
	case UDP:
		k.a, k.b = sport, dport
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
		a.setKey(&n.k, inf.Dst, inf.Src, ICMP, inf.ID, inf.Seq, 0, 0, 0)
	case inf.Proto == layers.IPProtocolTCP && inf.ACK && (inf.SYN || inf.RST):
		n.rkind, n.dest = TCPSynAck, true
		if inf.RST {
			n.rkind = TCPReset
		}
		a.setKey(&n.k, inf.Dst, inf.Src, TCP, 0, 0, inf.DstPort, inf.SrcPort, inf.TCPAck-1)
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
	a.setKey(&n.k, q.Src, q.Dst, proto, q.ID, q.Seq, q.SrcPort, q.DstPort, q.TCPSeq)
	n.has = hasQuote
	if !v6 {
		n.ipid, n.has = q.IPID, n.has|hasIPID
	}
	if q.HasChecksum {
		n.sum, n.has = q.Checksum, n.has|hasSum
	}
	n.length, n.flow, n.tos = uint16(q.Length), q.FlowLabel, q.TOS
	if inf.Dst != q.Src && inf.Dst.IsValid() {
		n.alt, n.has = a.addrID(inf.Dst), n.has|hasAlt
	}
	return true
}

func errorKind(typ, code uint8) Kind {
	switch typ {
	case layers.ICMPv4TypeTimeExceeded:
		if code == 1 {
			return ReassemblyTimeout
		}
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
		if code == layers.ICMPv6CodeFragmentReassemblyTimeExceeded {
			return ReassemblyTimeout
		}
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
// answers: the probe with its identity (find); else, for an ICMP error
// whose quote shows another source address than the error's destination
// (a NAT that left the quote translated), the probe with that identity
// sent from the error's destination; else, for UDP and TCP with such a
// translated source address, the probe whose identity but the source port
// the quote shows (translated). A quote that keeps the prober's own
// address is never matched past its source port: it may answer another
// run of the same host (two traceroutes at once), whose ports differ.
func (a *Analyzer) match(n *Note, now int64, ev *Event) {
	hit, sent, late, again := a.find(n, &n.k, a.tagOf(n), now)
	var rw Rewritten
	if hit == nil && !late && n.has&hasAlt != 0 {
		k := n.k
		k.src = n.alt
		if hit, sent, late, again = a.find(n, &k, a.win.tag(&k), now); hit != nil {
			rw = RewriteSrcAddr
		}
	}
	if hit == nil && !late && n.has&hasQuote != 0 && n.has&hasAlt != 0 && n.k.proto != ICMP {
		hit, sent, rw = a.translated(n, now)
	}
	if hit == nil && !late && n.has&hasQuote != 0 && n.has&hasIPID != 0 && n.k.proto == TCP {
		hit, sent, rw = a.reseq(n, now)
	}
	if hit == nil {
		if late {
			a.stats.LateReplies++
		} else {
			a.stats.Unmatched++
		}
		ev.Kind, ev.Probe = EventUnmatched, again
		return
	}
	a.answer(n, hit, sent, now, rw, ev)
}

// answer makes n, captured at now, the reply to probe hit, sent at sent,
// the quote showing rw rewritten.
func (a *Analyzer) answer(n *Note, hit *Probe, sent, now int64, rw Rewritten, ev *Event) {
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
	hit.reply.Rewritten = rw | n.rewritten(hit)
	hit.Reply = &hit.reply
	if tr != nil && n.rkind == TimeExceeded {
		tr.hasTE = true
	}
	if tr != nil && (n.dest || n.rkind.Terminal()) {
		tr.ended = true
	}
	ev.Kind, ev.Probe, ev.Trace = EventReply, hit, tr
}

// find walks the probes with identity k (tag its tag) sent before now,
// latest first, for the one reply n answers. The probe whose IP ID and
// checksum the reply echoes (exact) takes it; when that probe was already
// answered, only an older exact one may, else the reply is late. When no
// probe is exact (a middlebox rewrote the IP ID, the checksum was left to
// offload), the one that echoes most, IP ID before checksum, takes it,
// the latest of them: Wireshark's rule, the latest probe sent before the
// reply still unanswered.
func (a *Analyzer) find(n *Note, k *key, tag uint32, now int64) (hit *Probe, sent int64, late bool, again *Probe) {
	var fb *Probe
	var fbSent int64
	fbScore := -1
	for num, ok := a.win.latest(k, tag); ok; num, ok = a.win.before(num) {
		s := a.win.sent(num)
		if s > now {
			continue
		}
		p := a.win.probe(num)
		score, exact := n.score(p)
		switch {
		case exact && p.Reply == nil:
			return p, s, false, nil
		case exact:
			if again == nil {
				again = p // that very probe was answered
			}
		case p.Reply != nil:
			late = true
		case score > fbScore:
			fb, fbSent, fbScore = p, s, score
		}
	}
	if again != nil || fb == nil {
		return nil, 0, late || again != nil, again
	}
	return fb, fbSent, false, nil
}

// score is how much of probe p reply n echoes (the IP ID counts twice
// the checksum), and whether it echoes all it can.
func (n *Note) score(p *Probe) (score int, exact bool) {
	exact = true
	if n.has&hasIPID != 0 {
		if p.IPID == n.ipid {
			score += 2
		} else {
			exact = false
		}
	}
	if n.has&p.has&hasSum != 0 {
		if p.sum == n.sum {
			score++
		} else {
			exact = false
		}
	}
	return score, exact
}

// rewritten is which fields of probe p the quote in reply n shows
// changed, beyond the identity match compared.
func (n *Note) rewritten(p *Probe) Rewritten {
	if n.has&hasQuote == 0 {
		return 0
	}
	var r Rewritten
	if n.has&hasIPID != 0 && n.ipid != p.IPID {
		r |= RewriteIPID
	}
	if n.tos != p.tos {
		r |= RewriteTOS
	}
	if n.length != p.length {
		r |= RewriteLength
	}
	if n.has&p.has&hasSum != 0 && n.sum != p.sum {
		r |= RewriteChecksum
	}
	if n.k.v6 && n.flow != p.flow {
		r |= RewriteFlow
	}
	return r
}

// maxTranslated is how many of a trace's latest probes translated looks
// through.
const maxTranslated = 512

// translated finds the probe that an ICMP error n quoting a UDP or TCP
// probe answers when a NAT translated the quoted source port (and maybe
// address) and left it so: among the latest probes of the trace from the
// error's destination to the quoted one, the latest unanswered one sent
// before now with the quoted destination port and, for TCP, sequence
// number, for UDP (IPv4 only) IP ID, and a TTL no lower than what the
// quote shows left of it. The ports alone would take the replies to other
// traffic to the same port (a DNS query next to traceroute -U -p 53).
func (a *Analyzer) translated(n *Note, now int64) (*Probe, int64, Rewritten) {
	src := n.k.src
	if n.has&hasAlt != 0 {
		src = n.alt
	}
	if n.k.proto == UDP && n.has&hasIPID == 0 {
		return nil, 0, 0
	}
	tr := a.active.get(traceKey{src: src, dst: n.k.dst, proto: n.k.proto, v6: n.k.v6})
	if tr == nil {
		return nil, 0, 0
	}
	rw := RewriteSrcPort
	if src != n.k.src {
		rw |= RewriteSrcAddr
	}
	oldest := now - int64(a.opt.Window)
	// TCP: tcptraceroute's probes share ports and sequence number and
	// differ only in the IP ID, which most NATs keep: the latest probe
	// with the quote's sequence and IP ID takes the reply, else (the IP
	// ID rewritten too) the latest with its sequence.
	var fb *Probe
	var fbSent int64
	for i, seen := len(tr.Probes)-1, 0; i >= 0 && seen < maxTranslated; i, seen = i-1, seen+1 {
		p := tr.Probes[i]
		s := p.Sent.UnixNano()
		if s < oldest {
			break
		}
		// The quote's TTL is what was left of the probe's: never more.
		if s > now || p.Reply != nil || p.DstPort != n.k.b || p.SrcPort == n.k.a || int(n.qttl) > p.TTL {
			continue
		}
		switch {
		case n.k.proto == TCP && p.TCPSeq == n.k.c && (n.has&hasIPID == 0 || p.IPID == n.ipid):
			return p, s, rw
		case n.k.proto == TCP && p.TCPSeq == n.k.c && fb == nil:
			fb, fbSent = p, s
		case n.k.proto == UDP && p.IPID == n.ipid:
			return p, s, rw
		}
	}
	if fb != nil {
		return fb, fbSent, rw
	}
	return nil, 0, 0
}

// reseq finds the probe that an ICMP error n quoting an IPv4 TCP probe
// answers when a firewall on the way rewrote the sequence number (Cisco
// ASA randomises it by default), so that every router past it quotes
// another: among the latest probes of the trace, the latest unanswered
// one sent before now with the quote's ports and IP ID, and a TTL no
// lower than what the quote shows left of it.
func (a *Analyzer) reseq(n *Note, now int64) (*Probe, int64, Rewritten) {
	tr := a.active.get(traceKey{src: n.k.src, dst: n.k.dst, proto: TCP, v6: n.k.v6})
	if tr == nil {
		return nil, 0, 0
	}
	oldest := now - int64(a.opt.Window)
	for i, seen := len(tr.Probes)-1, 0; i >= 0 && seen < maxTranslated; i, seen = i-1, seen+1 {
		p := tr.Probes[i]
		s := p.Sent.UnixNano()
		if s < oldest {
			break
		}
		if s <= now && p.Reply == nil && p.SrcPort == n.k.a && p.DstPort == n.k.b && p.IPID == n.ipid && int(n.qttl) <= p.TTL {
			return p, s, RewriteSeq
		}
	}
	return nil, 0, 0
}

// udpAnswer makes UDP datagram n, captured at now, a reply when it goes
// back from a probe's destination to the probe's ports (the ports swapped)
// while that probe awaits an answer: the latest such probe sent before
// now. Any UDP datagram is a probe to a replay (its tool is unknown); this
// one answers one.
func (a *Analyzer) udpAnswer(n *Note, now int64, ev *Event) bool {
	rk := n.k
	rk.src, rk.dst, rk.a, rk.b = n.k.dst, n.k.src, n.k.b, n.k.a
	for num, ok := a.win.latest(&rk, a.win.tag(&rk)); ok; num, ok = a.win.before(num) {
		s, p := a.win.sent(num), a.win.probe(num)
		if s > now || p.Reply != nil {
			continue
		}
		a.stats.Replies++
		n.rkind, n.dest, n.from, n.has = UDPReply, true, n.k.src, 0
		a.answer(n, p, s, now, 0, ev)
		return true
	}
	return false
}

// addProbe adds probe n, captured at now (Unix nanoseconds).
func (a *Analyzer) addProbe(n *Note, now int64, ev *Event) {
	if n.k.proto == UDP && a.udpAnswer(n, now, ev) {
		return
	}
	var last *Probe
	same := false // last shares n's IP ID and checksum: replies cannot tell them apart
	sp, num := a.win.lookup(&n.k, a.tagOf(n))
	if sp.found {
		last = a.win.probe(num)
		same = n.ipid == last.IPID && n.sum == last.sum
		dt := time.Duration(now - a.win.sent(num))
		// The same packet captured twice keeps its IP ID and comes again
		// within microseconds (-i any, a router's in and out); tcptraceroute's
		// probes share ports and sequence number and differ only in the IP
		// ID; lft sends a probe again, byte for byte, after 250ms.
		if dt >= 0 && dt < dupWindow && same && (int(n.ttl) == last.TTL || int(n.ttl) == last.TTL-1) {
			a.stats.Duplicates++
			ev.Kind, ev.Probe = EventDuplicate, last
			return
		}
	}
	tk := traceKeyOf(n.k)
	tr := a.active.get(tk)
	if tr != nil {
		if idle := time.Duration(now - a.open[tr.open].last); idle > a.opt.Gap && (idle > a.opt.Pause || !continues(tr, n)) {
			a.finish(tk, tr)
			tr = nil
		}
	}
	if tr != nil && (len(tr.Probes) >= a.opt.MaxProbes || restarts(tr, n)) {
		// Cut: tr stays open, out of active, until the idle sweep finds
		// it past Window and hands it over; a late reply to one of its
		// probes still finds it.
		a.active.del(tk, tr)
		tr = nil
	}
	if tr == nil {
		tr = a.newTrace()
		tr.Src, tr.Dst, tr.Proto, tr.Probes = a.addrOf(n.k.src, n.k.v6), a.addrOf(n.k.dst, n.k.v6), n.k.proto, a.probeSlice()
		tr.first, tr.firstFrame, tr.key, tr.open = timeOf(n.at), a.frame, tk, len(a.open)
		a.active.put(tk, tr)
		a.open = append(a.open, openTrace{tr: tr})
	}
	p := a.newProbe()
	n.fill(p, a.frame)
	p.trace = tr
	if same {
		p.Ambiguous = true
		tr.Ambiguous++
	}
	if p.TTL >= OrdinaryTTL {
		tr.high = true
	}
	if len(tr.Probes) == 0 {
		tr.firstTTL = p.TTL
	} else if tr.firstTTL != p.TTL {
		tr.manyTTL = true
	}
	tr.Probes = append(tr.Probes, p)
	tr.last = p.Sent
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
		// A trace may pause for Pause, unless it ended (its destination
		// answered, or an unreachable) or was cut (MaxProbes).
		if d := time.Duration(now - o.last); d > a.opt.Gap && d > a.opt.Window &&
			(d > a.opt.Pause || o.tr.ended || a.active.get(o.tr.key) != o.tr) {
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
	tr.dropOrdinary()
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

// continues reports whether probe n goes on from tr's latest probe as one
// run's next probe does (see Options.Pause).
func continues(tr *Trace, n *Note) bool {
	if len(tr.Probes) == 0 {
		return false
	}
	last := tr.Probes[len(tr.Probes)-1]
	switch n.k.proto {
	case ICMP: // the trace key holds the identifier
		d := n.k.b - last.Seq
		return d >= 1 && d <= 64
	case UDP:
		// Linux traceroute takes a new source port for every probe.
		d := n.k.b - last.DstPort
		return (d >= 1 && d <= 64) || (n.k.a == last.SrcPort && d == 0)
	case TCP:
		// tcptraceroute keeps its sequence number; tracers counts its
		// probes in it; a new run draws another.
		return n.k.a == last.SrcPort && n.k.b == last.DstPort && n.k.c-last.TCPSeq < 1<<24
	}
	return false
}

// restarts reports whether probe n starts a new run of the tool that
// made tr, within Gap: tr has ended (its destination answered, or an
// unreachable stopped it), and n goes back to tr's first TTL with an
// identity that does not continue tr's (a new run of traceroute -U or
// -T draws new source ports, of plain traceroute goes back to port
// 33434, of tracers takes other ports). A tool probing on after the end
// continues its identity (mtr's rounds), sends other TTLs (a
// traceroute's window; nmap, which probes down from the destination's
// distance and then again where a reply was missing); two runs at once,
// neither ended yet, stay one trace.
func restarts(tr *Trace, n *Note) bool {
	return tr.ended && int(n.ttl) == tr.firstTTL && !continues(tr, n)
}

// OrdinaryTTL is the lowest TTL of a host's ordinary traffic: a host's
// default TTL (64, 128, 255) is at or above it, a traceroute's first TTLs
// (Linux traceroute, mtr and tracers probe 30 hops from 1) below. Probes
// all sent with one TTL at or above it are no traceroute (a ping), and
// dropOrdinary drops such probes from a trace.
const OrdinaryTTL = 32

// dropOrdinary drops the probes of the finished trace tr that are
// ordinary traffic rather than a traceroute's: those sent with a TTL of
// at least OrdinaryTTL that no probe was sent with one below (not the
// next step of the run), above every TTL that drew a Time Exceeded. DNS
// queries, TLS to the destination, a name lookup's port unreachable:
// whatever they drew is not a hop. A trace left with one TTL and no Time
// Exceeded is then no traceroute.
func (tr *Trace) dropOrdinary() {
	if !tr.high {
		return // most traces: nothing to read again
	}
	var sent [256]bool
	maxTE := 0
	for _, p := range tr.Probes {
		sent[uint8(p.TTL)] = true
		if r := p.Reply; r != nil && r.Kind == TimeExceeded {
			maxTE = max(maxTE, p.TTL)
		}
	}
	// Drop each run of TTLs that starts there, with what follows it.
	var drop [256]bool
	dropped := false
	for ttl := max(OrdinaryTTL, maxTE+1); ttl < len(sent); ttl++ {
		if sent[ttl] && (!sent[ttl-1] || drop[ttl-1]) {
			drop[ttl], dropped = true, true
		}
	}
	if !dropped {
		return
	}
	keep := tr.Probes[:0]
	for _, p := range tr.Probes {
		if !drop[uint8(p.TTL)] {
			keep = append(keep, p)
		}
	}
	clear(tr.Probes[len(keep):])
	tr.Probes = keep
	tr.manyTTL = false
	for i, p := range tr.Probes {
		if i == 0 {
			tr.firstTTL, tr.firstFrame, tr.first = p.TTL, p.Frame, p.Sent
		} else if p.TTL != tr.firstTTL {
			tr.manyTTL = true
		}
		tr.last = p.Sent
	}
}
