package gencap

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Format is a capture file format.
type Format string

// Formats Write can produce.
const (
	PCAP   Format = "pcap"   // libpcap, microsecond timestamps
	PCAPNG Format = "pcapng" // pcapng, one interface, nanosecond timestamps
)

// Options say what Write generates. Only Packets is required.
type Options struct {
	Packets int    // packets to write
	Format  Format // PCAP when empty
	// Seed picks the random stream: the same Options give the same bytes.
	Seed uint64
	// Concurrency is how many traces are in flight at once (default 64).
	// The packet rate in capture time grows with it, about 70 packets per
	// second per trace; so does the number of probes outstanding (at most
	// 45 per trace).
	Concurrency int
	// Start is the capture time of the first packet (default 2024-01-01 UTC).
	Start time.Time
}

// Summary says what Write wrote.
type Summary struct {
	Packets int // every packet written
	Probes  int // ICMP Echo Requests and UDP probes
	Replies int // Time Exceeded, Echo Reply and Port Unreachable
	Traces  int // traces whose first probe was written
	Other   int // DNS and TCP
	// DNSAnswers counts the DNS answers among Other: a replay matches
	// each to its query, a UDP datagram back to its ports.
	DNSAnswers int
	// MaxOutstanding is the most probes at any one time that had been sent
	// but neither answered nor given up on by their tool.
	MaxOutstanding int
	Duration       time.Duration // capture time from the first to the last packet
}

// PacketsPerSecond is the average packet rate in capture time.
func (s Summary) PacketsPerSecond() float64 {
	if s.Duration <= 0 {
		return 0
	}
	return float64(s.Packets) / s.Duration.Seconds()
}

const snaplen = 65535

var (
	errPackets = errors.New("gencap: packets must be positive")
	errFormat  = errors.New("gencap: unknown format (want pcap or pcapng)")
)

// Write writes a capture of o.Packets packets to w, buffered, and returns
// what it holds. Its memory follows o.Concurrency, not o.Packets; it
// allocates little per packet.
func Write(w io.Writer, o Options) (Summary, error) {
	if o.Packets <= 0 {
		return Summary{}, errPackets
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 64
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var put func(gopacket.CaptureInfo, []byte) error
	flush := bw.Flush
	switch o.Format {
	case "", PCAP:
		pw := pcapgo.NewWriter(bw)
		if err := pw.WriteFileHeader(snaplen, layers.LinkTypeEthernet); err != nil {
			return Summary{}, fmt.Errorf("gencap: pcap header: %w", err)
		}
		put = pw.WritePacket
	case PCAPNG:
		// Fixed section and interface options, so the bytes do not depend
		// on the machine (pcapgo's defaults name GOOS and GOARCH).
		nw, err := pcapgo.NewNgWriterInterface(bw,
			pcapgo.NgInterface{Name: "eth0", LinkType: layers.LinkTypeEthernet, SnapLength: snaplen, TimestampResolution: 9},
			pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Application: "tracers gencap"}})
		if err != nil {
			return Summary{}, fmt.Errorf("gencap: pcapng header: %w", err)
		}
		put = nw.WritePacket
		flush = func() error {
			if err := nw.Flush(); err != nil {
				return err
			}
			return bw.Flush()
		}
	default:
		return Summary{}, fmt.Errorf("%w: %q", errFormat, o.Format)
	}

	g := newGen(o)
	first := int64(-1)
	for g.sum.Packets < o.Packets {
		at, data := g.step()
		if data == nil {
			continue
		}
		if first < 0 {
			first = at
		}
		ci := gopacket.CaptureInfo{Timestamp: o.Start.Add(time.Duration(at)), CaptureLength: len(data), Length: len(data)}
		if err := put(ci, data); err != nil {
			return g.sum, fmt.Errorf("gencap: write packet %d: %w", g.sum.Packets+1, err)
		}
		g.sum.Packets++
		g.sum.Duration = time.Duration(at - first)
	}
	if err := flush(); err != nil {
		return g.sum, fmt.Errorf("gencap: flush: %w", err)
	}
	return g.sum, nil
}

// trace is one traceroute run by a tool: its path and identity.
type trace struct {
	src, dst [4]byte
	dstIndex int // which destination, for its DNS name
	udp      bool
	hops     int    // TTL at which the destination answers
	maxTTL   int    // highest TTL probed
	id       uint16 // ICMP identifier, or UDP source port
	ipid     uint16 // IP ID of the first probe, one more per probe
	destTTL  uint8  // initial TTL of the destination's replies
	silent   uint32 // bit h set: the router at TTL h never answers
	deaf     bool   // the destination never answers
	ecmp     bool   // odd attempts take a second path from hop 3
	pending  int    // probes written whose reply is not (or never will be)
	dnsPort  uint16
	dnsID    uint16
}

// flow is an established TCP connection unrelated to any trace.
type flow struct {
	local, remote [4]byte
	lport, rport  uint16
	lseq, rseq    uint32
}

const (
	us = int64(time.Microsecond)
	ms = int64(time.Millisecond)
	// destinations is how many distinct destinations traces pick from.
	destinations = 1 << 16
	// flowGap is the mean time between two segments of one TCP flow.
	flowGap = 20 * ms
)

type gen struct {
	rng         *rand.Rand
	seq         uint64
	q           queue
	slots       []trace
	flows       []flow
	b           *builder
	sum         Summary
	outstanding int
}

func newGen(o Options) *gen {
	g := &gen{
		rng:   rand.New(rand.NewPCG(o.Seed, 0x7472616365727321)), // "tracers!"
		slots: make([]trace, o.Concurrency),
		flows: make([]flow, max(2, o.Concurrency/8)),
		b:     newBuilder(),
		q:     make(queue, 0, o.Concurrency*100),
	}
	for i := range g.slots {
		g.startTrace(int32(i), g.rng.Int64N(20*ms))
	}
	for i := range g.flows {
		f := &g.flows[i]
		f.local = [4]byte{10, 0, byte(g.rng.IntN(4)), byte(1 + g.rng.IntN(250))}
		f.remote = g.public(g.rng.Uint32())
		f.lport, f.rport = uint16(32768+g.rng.IntN(28000)), [...]uint16{443, 8443, 993, 5432}[g.rng.IntN(4)]
		f.lseq, f.rseq = g.rng.Uint32(), g.rng.Uint32()
		g.push(event{at: g.rng.Int64N(flowGap), kind: evTCP, slot: int32(i)})
	}
	return g
}

func (g *gen) push(e event) {
	g.seq++
	e.seq = g.seq
	g.q.push(e)
}

// public maps x to a unicast address outside 10/8, 127/8 and the ranges
// this package uses for routers (100.64/10, 198.18/15).
func (g *gen) public(x uint32) [4]byte {
	a := [4]byte{byte(1 + (x>>24)%223), byte(x >> 16), byte(x >> 8), byte(1 + (x&0xff)%254)}
	switch a[0] {
	case 10, 100, 127, 198:
		a[0]++
	}
	return a
}

// mix is a 32-bit hash (lowbias32), for addresses that must repeat across
// traces without keeping a table.
func mix(x uint32) uint32 {
	x ^= x >> 16
	x *= 0x7feb352d
	x ^= x >> 15
	x *= 0x846ca68b
	x ^= x >> 16
	return x
}

// router is the address that answers for trace t at TTL h (h < t.hops): the
// first two hops depend on the source's subnet, the last two on the
// destination's /24, the rest on its /16.
func (g *gen) router(t *trace, h, try int) [4]byte {
	switch h {
	case 1:
		return [4]byte{10, 0, t.src[2], 254}
	case 2:
		return [4]byte{100, 64, t.src[2], 1}
	}
	k := uint32(t.dst[0])<<24 | uint32(t.dst[1])<<16 | uint32(h)
	if h >= t.hops-2 {
		k = uint32(t.dst[0])<<24 | uint32(t.dst[1])<<16 | uint32(t.dst[2])<<8 | uint32(h)
	}
	if t.ecmp && try&1 == 1 {
		k ^= 0x5a5a
	}
	x := mix(k)
	return [4]byte{198, 18 + byte(x>>24)&1, byte(x >> 8), byte(1 + (x&0xff)%254)}
}

// startTrace fills slot i with a new trace that starts at capture time at
// and queues all its packets.
func (g *gen) startTrace(i int32, at int64) {
	r := g.rng
	t := &g.slots[i]
	*t = trace{}
	t.src = [4]byte{10, 0, 0, 1}
	if r.IntN(2) == 0 {
		t.src = [4]byte{10, 0, byte(r.IntN(4)), byte(1 + r.IntN(250))}
	}
	t.dstIndex = r.IntN(destinations)
	t.dst = g.public(mix(uint32(t.dstIndex) + 0x9e3779b9))
	t.udp = r.IntN(100) < 20
	t.hops = 4 + r.IntN(9)
	t.deaf = r.IntN(100) < 8
	t.ecmp = r.IntN(100) < 10
	t.maxTTL = t.hops + r.IntN(3)
	if t.deaf {
		t.maxTTL = t.hops + 2
	}
	for h := 1; h < t.hops; h++ {
		if r.IntN(100) < 7 {
			t.silent |= 1 << h
		}
	}
	t.id = uint16(1 + r.IntN(65535))
	if t.udp {
		t.id = uint16(32768 + r.IntN(28000))
	}
	t.ipid = uint16(r.Uint32())
	t.destTTL = [...]uint8{64, 64, 128, 255}[r.IntN(4)]
	t.dnsPort, t.dnsID = uint16(1024+r.IntN(64000)), uint16(r.Uint32())

	dnsRTT := 300*us + r.Int64N(3*ms)
	g.push(event{at: at, kind: evDNSQuery, slot: i})
	g.push(event{at: at + dnsRTT, kind: evDNSReply, slot: i})

	send := at + dnsRTT + 50*us + r.Int64N(200*us)
	gap := 20*us + r.Int64N(480*us)   // between probes
	perHop := 300*us + r.Int64N(4*ms) // added RTT per hop
	end, lost := send, false
	for ttl := 1; ttl <= t.maxTTL; ttl++ {
		for try := 0; try < 3; try++ {
			g.push(event{at: send, kind: evProbe, slot: i, ttl: uint8(ttl), try: uint8(try)})
			answers := !t.deaf
			if ttl < t.hops {
				answers = t.silent&(1<<ttl) == 0
			}
			if answers && r.IntN(1000) >= 15 {
				h := int64(min(ttl, t.hops))
				rtt := 200*us + h*perHop + int64(r.ExpFloat64()*float64(h*100*us))
				g.push(event{at: send + rtt, kind: evReply, slot: i, ttl: uint8(ttl), try: uint8(try)})
				end = max(end, send+rtt)
			} else {
				lost = true
			}
			end = max(end, send)
			send += gap/2 + r.Int64N(gap)
		}
	}
	wait := 1*ms + r.Int64N(5*ms)
	if lost {
		wait = 1000*ms + r.Int64N(2000*ms) // the tool's timeout
	}
	g.push(event{at: end + wait, kind: evDone, slot: i})
}

// step handles the next event and returns its capture time and packet, or
// nil when it wrote no packet. The packet is valid until the next step.
func (g *gen) step() (int64, []byte) {
	e := g.q.pop()
	if e.kind == evTCP {
		g.sum.Other++
		g.push(event{at: e.at + 1 + int64(g.rng.ExpFloat64()*float64(flowGap)), kind: evTCP, slot: e.slot})
		return e.at, g.b.tcp(&g.flows[e.slot], g.rng)
	}
	t := &g.slots[e.slot]
	ttl, try := int(e.ttl), int(e.try)
	switch e.kind {
	case evDNSQuery, evDNSReply:
		g.sum.Other++
		if e.kind == evDNSReply {
			g.sum.DNSAnswers++
		}
		return e.at, g.b.dns(t, e.kind == evDNSReply)
	case evProbe:
		if ttl == 1 && try == 0 {
			g.sum.Traces++
		}
		g.sum.Probes++
		t.pending++
		g.outstanding++
		g.sum.MaxOutstanding = max(g.sum.MaxOutstanding, g.outstanding)
		return e.at, g.b.probe(t, ttl, try)
	case evReply:
		g.sum.Replies++
		t.pending--
		g.outstanding--
		if ttl < t.hops {
			from := g.router(t, ttl, try)
			x := mix(uint32(from[0])<<24 | uint32(from[1])<<16 | uint32(from[2])<<8 | uint32(from[3]))
			initTTL := uint8(255)
			if x&3 == 0 {
				initTTL = 64
			}
			full := x&4 == 0 // an RFC 1812 router quotes the whole probe
			return e.at, g.b.timeExceeded(t, ttl, try, from, initTTL-uint8(ttl-1), full, uint16(x>>16)+uint16(g.sum.Packets))
		}
		return e.at, g.b.destReply(t, ttl, try, t.destTTL-uint8(t.hops-1))
	case evDone:
		g.outstanding -= t.pending
		g.startTrace(e.slot, e.at+g.rng.Int64N(2*ms))
	}
	return e.at, nil
}
