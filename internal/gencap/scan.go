package gencap

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// ScanOptions say what Scan writes. Only Probes is required.
type ScanOptions struct {
	Probes int    // probes to write
	Rate   int    // probes per second of capture time (default 100,000)
	MaxTTL int    // TTLs probed per destination (default 16)
	Seed   uint64 // the same options give the same bytes
	// Start is the capture time of the first packet (default 2024-01-01 UTC).
	Start time.Time
}

// ScanSummary says what Scan wrote.
type ScanSummary struct {
	Packets, Probes, Replies int
	Destinations             int
	Duration                 time.Duration // capture time from the first to the last packet
}

// scanID is the ICMP identifier of every probe of a scan.
const scanID = 0x7961 // "ya"

// Scan writes a yarrp-like scan (Ethernet pcap): one source probes
// Probes/MaxTTL destinations at every TTL from 1 to MaxTTL, the
// (destination, TTL) pairs in a random order, at Rate probes per second,
// with ICMP Echo Requests (identifier 0x7961, sequence TTL<<8). About 7 in
// 10 probes are answered: a Time Exceeded from the router at that TTL,
// or an Echo Reply once the TTL reaches the destination. At the default
// rate a million probes take 10 s, all inside one 30 s analyzer window.
func Scan(w io.Writer, o ScanOptions) (ScanSummary, error) {
	if o.Probes <= 0 {
		return ScanSummary{}, errPackets
	}
	if o.Rate <= 0 {
		o.Rate = 100000
	}
	if o.MaxTTL <= 0 || o.MaxTTL > 255 {
		o.MaxTTL = 16
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	pw := pcapgo.NewWriter(bw)
	if err := pw.WriteFileHeader(snaplen, layers.LinkTypeEthernet); err != nil {
		return ScanSummary{}, fmt.Errorf("gencap: pcap header: %w", err)
	}
	g := &gen{rng: rand.New(rand.NewPCG(o.Seed, 0x79617272)), b: newBuilder()}
	n := o.Probes
	dsts := (n + o.MaxTTL - 1) / o.MaxTTL
	// Probe i goes to pair (i*step) mod n: every pair once, in an order
	// that looks random (step is prime to n).
	step := 1000003 % n
	for step == 0 || gcd(step, n) != 1 {
		step++
	}
	gap := int64(time.Second) / int64(o.Rate)
	var s ScanSummary
	s.Destinations = dsts
	var t trace
	put := func(at int64, data []byte) error {
		ci := gopacket.CaptureInfo{Timestamp: o.Start.Add(time.Duration(at)), CaptureLength: len(data), Length: len(data)}
		if err := pw.WritePacket(ci, data); err != nil {
			return fmt.Errorf("gencap: write packet %d: %w", s.Packets+1, err)
		}
		s.Packets++
		s.Duration = time.Duration(at)
		return nil
	}
	// scanTrace makes t the trace of destination d.
	scanTrace := func(d int) {
		x := mix(uint32(d) + 0x51ed270b)
		t = trace{src: [4]byte{10, 0, 0, 1}, dst: g.public(x), id: scanID, ipid: uint16(x >> 7), hops: 6 + int(x>>3)%10, dstIndex: d}
	}
	for i := 0; i < n || len(g.q) > 0; i++ {
		at := int64(i) * gap
		for len(g.q) > 0 && (i >= n || g.q[0].at <= at) {
			e := g.q.pop()
			scanTrace(int(e.slot))
			ttl := int(e.ttl)
			var data []byte
			if ttl < t.hops {
				from := g.router(&t, ttl, 0)
				data = g.b.timeExceeded(&t, ttl, 0, from, 255-uint8(ttl-1), ttl&1 == 0, uint16(e.seq))
			} else {
				data = g.b.destReply(&t, ttl, 0, 64-uint8(t.hops-1))
			}
			s.Replies++
			if err := put(e.at, data); err != nil {
				return s, err
			}
		}
		if i >= n {
			continue
		}
		j := int((uint64(i) * uint64(step)) % uint64(n))
		d, ttl := j/o.MaxTTL, 1+j%o.MaxTTL
		scanTrace(d)
		s.Probes++
		if err := put(at, g.b.probe(&t, ttl, 0)); err != nil {
			return s, err
		}
		if g.rng.IntN(10) < 7 {
			rtt := int64(ttl)*int64(3*time.Millisecond) + g.rng.Int64N(int64(20*time.Millisecond))
			g.push(event{at: at + rtt, kind: evReply, slot: int32(d), ttl: uint8(ttl)})
		}
	}
	if err := bw.Flush(); err != nil {
		return s, fmt.Errorf("gencap: flush: %w", err)
	}
	return s, nil
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
