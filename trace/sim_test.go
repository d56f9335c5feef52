package trace

import (
	"context"
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/trace/tracetest"
)

// TestEngineMissedProbe: a probe sent but never captured (a pcap drop) is
// in neither the hops nor the trace, as in a replay of the capture, but it
// still holds its place in the window until it times out.
func TestEngineMissedProbe(t *testing.T) {
	tests := []struct {
		name   string
		miss   map[int]bool // probes (from 1, in send order) the capture drops
		opt    Options
		want   string
		probes int // in the trace, at TTLs 1..5
		// took bounds the virtual time: from took[0] to took[1]
		took [2]time.Duration
	}{
		{
			name: "one of a hop's probes", miss: map[int]bool{2: true},
			want:   "1 10.77.1.2 R R\n2 10.77.2.2 R R R\n3 10.77.3.2 R R R\n4 10.77.4.2 R R R\n5 10.77.5.2 R R R\n",
			probes: 14, took: [2]time.Duration{0, 10 * time.Millisecond},
		},
		{
			// the engine sees a silent hop: it waits MinWait, more than
			// 5 x its neighbours' and 4 x the destination's RTT
			name: "a whole hop", miss: map[int]bool{4: true, 5: true, 6: true},
			want:   "1 10.77.1.2 R R R\n3 10.77.3.2 R R R\n4 10.77.4.2 R R R\n5 10.77.5.2 R R R\n",
			probes: 12, took: [2]time.Duration{10 * time.Millisecond, 11 * time.Millisecond},
		},
		{
			// -N 1: the missed probe's reply comes but matches nothing;
			// the probe must wait its whole -w (no RTT seen yet) before
			// the next one leaves.
			name: "one in flight", miss: map[int]bool{1: true}, opt: Options{InFlight: 1, Queries: 1, Wait: time.Second},
			want:   "2 10.77.2.2 R\n3 10.77.3.2 R\n4 10.77.4.2 R\n5 10.77.5.2 R\n",
			probes: 4, took: [2]time.Duration{time.Second, time.Second + 10*time.Millisecond},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := tracetest.New(4)
			s.MissProbe = func(n int) bool { return tc.miss[n] }
			out, res, took, err := runSim(t, context.Background(), s, tc.opt)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if got := shape(out); got != tc.want {
				t.Errorf("hops:\n%s\nwant:\n%s", got, tc.want)
			}
			n := 0
			for _, p := range res.Trace.Probes {
				if p.TTL <= 5 {
					n++
				}
			}
			if n != tc.probes || res.Missed != len(tc.miss) {
				t.Errorf("trace holds %d probes at TTL 1..5 and Missed = %d, want %d and %d", n, res.Missed, tc.probes, len(tc.miss))
			}
			if !res.Trace.Reached() || took < tc.took[0] || took > tc.took[1] {
				t.Errorf("Reached = %v after %s, want reached after %s to %s", res.Trace.Reached(), took, tc.took[0], tc.took[1])
			}
			if res.Sent != len(s.Sends) {
				t.Errorf("sent %d, network saw %d", res.Sent, len(s.Sends))
			}
		})
	}
}

// TestAnalyzerOptionsZone: a link-local destination with a zone, as the
// user gives it (fe80::1%eth0), still matches its probes, which carry none.
func TestAnalyzerOptionsZone(t *testing.T) {
	src, dst := netip.MustParseAddr("fe80::1"), netip.MustParseAddr("fe80::2")
	o := Options{Src: src.WithZone("eth0"), Dst: dst.WithZone("eth0"), ID: 7}
	o.setDefaults()
	inf := analyze.Info{Src: src, Dst: dst, Proto: layers.IPProtocolICMPv6, Type: layers.ICMPv6TypeEchoRequest, ID: 7}
	if !analyzerOptions(o, mustDefaultProber(t, o)).IsProbe(&inf) {
		t.Errorf("probe %s -> %s not taken for a run to %s", inf.Src, inf.Dst, o.Dst)
	}
}

// echo6 builds an ICMPv6 Echo Request with gopacket, as craft will.
func echo6(t *testing.T, src, dst netip.Addr, hlim uint8, id, seq uint16) []byte {
	t.Helper()
	ip := &layers.IPv6{Version: 6, HopLimit: hlim, NextHeader: layers.IPProtocolICMPv6, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
	icmp := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(layers.ICMPv6TypeEchoRequest, 0)}
	if err := icmp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	buf := gopacket.NewSerializeBuffer()
	err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		ip, icmp, &layers.ICMPv6Echo{Identifier: id, SeqNumber: seq}, gopacket.Payload("0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestSim6 checks the simulated IPv6 routers without the engine: what each
// answers, from where, when, quoting what, with a good ICMPv6 checksum.
func TestSim6(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(*tracetest.Network)
		hlim      uint8
		typ, code uint8
		from      string
		delay     time.Duration
		quote     bool
	}{
		{name: "time exceeded", hlim: 2, typ: layers.ICMPv6TypeTimeExceeded, from: "fd77:2::2", delay: 200 * time.Microsecond, quote: true},
		{name: "echo reply", hlim: 64, typ: layers.ICMPv6TypeEchoReply, from: "fd77:4::2", delay: 400 * time.Microsecond},
		{name: "address unreachable", hlim: 64, setup: func(s *tracetest.Network) { s.Routers[1].Unreach = true },
			typ: layers.ICMPv6TypeDestinationUnreachable, code: layers.ICMPv6CodeAddressUnreachable, from: "fd77:2::2", delay: 200 * time.Microsecond, quote: true},
		{name: "slow icmp", hlim: 1, setup: func(s *tracetest.Network) { s.Routers[0].Delay = 40 * time.Millisecond },
			typ: layers.ICMPv6TypeTimeExceeded, from: "fd77:1::2", delay: 40 * time.Millisecond, quote: true},
		{name: "silent", hlim: 3, setup: func(s *tracetest.Network) { s.Routers[2].Silent = true }},
		{name: "lost", hlim: 3, setup: func(s *tracetest.Network) { s.Routers[2].Drop = func(int) bool { return true } }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := tracetest.New6(3)
			if tc.setup != nil {
				tc.setup(s)
			}
			start := s.Now()
			probe := echo6(t, s.Src, s.Dst, tc.hlim, 0x4242, 9)
			if err := s.Send(probe); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			p, ok, err := s.Next(ctx, start.Add(time.Second))
			if !ok || err != nil || string(p.Data) != string(probe) || !p.Time.Equal(start) {
				t.Fatalf("first packet: ok %v, err %v, want the probe itself at once", ok, err)
			}
			p, ok, err = s.Next(ctx, start.Add(time.Second))
			if err != nil {
				t.Fatal(err)
			}
			if tc.from == "" {
				if ok {
					t.Fatalf("got a reply % x, want silence", p.Data)
				}
				return
			}
			if !ok || p.Time.Sub(start) != tc.delay || p.Link != layers.LinkTypeRaw {
				t.Fatalf("reply: ok %v after %s (link %d), want one after %s", ok, p.Time.Sub(start), p.Link, tc.delay)
			}
			pk := gopacket.NewPacket(p.Data, layers.LayerTypeIPv6, gopacket.Default)
			ip, _ := pk.Layer(layers.LayerTypeIPv6).(*layers.IPv6)
			icmp, _ := pk.Layer(layers.LayerTypeICMPv6).(*layers.ICMPv6)
			if ip == nil || icmp == nil {
				t.Fatalf("reply does not decode as IPv6 + ICMPv6: %v", pk)
			}
			if got, _ := netip.AddrFromSlice(ip.SrcIP); got.String() != tc.from || !ip.DstIP.Equal(s.Src.AsSlice()) {
				t.Errorf("reply %s -> %s, want %s -> %s", ip.SrcIP, ip.DstIP, tc.from, s.Src)
			}
			if icmp.TypeCode.Type() != tc.typ || icmp.TypeCode.Code() != tc.code {
				t.Errorf("reply type/code %d/%d, want %d/%d", icmp.TypeCode.Type(), icmp.TypeCode.Code(), tc.typ, tc.code)
			}
			// The checksum over pseudo-header and message comes out 0xffff.
			want := icmp.Checksum
			icmp.Checksum = 0
			if err := icmp.SetNetworkLayerForChecksum(ip); err != nil {
				t.Fatal(err)
			}
			buf := gopacket.NewSerializeBuffer()
			if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{ComputeChecksums: true}, icmp, gopacket.Payload(icmp.Payload)); err != nil {
				t.Fatal(err)
			}
			if got := uint16(buf.Bytes()[2])<<8 | uint16(buf.Bytes()[3]); got != want {
				t.Errorf("ICMPv6 checksum %#04x, want %#04x", want, got)
			}
			if tc.quote {
				// 4 unused bytes, then the probe as it left (RFC 4443 3.3).
				if b := icmp.Payload; len(b) != 4+len(probe) || string(b[4:]) != string(probe) {
					t.Errorf("error body % x, want 4 zero bytes and the probe % x", b, probe)
				}
			} else if echo, _ := pk.Layer(layers.LayerTypeICMPv6Echo).(*layers.ICMPv6Echo); echo == nil || echo.Identifier != 0x4242 || echo.SeqNumber != 9 || string(echo.Payload) != "0123456789abcdef" {
				t.Errorf("echo reply %+v, want id 0x4242 seq 9 and the probe's payload", echo)
			}
		})
	}
}

// TestEngine6 runs the engine whole over the simulated IPv6 routers.
func TestEngine6(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(*tracetest.Network)
		opt     Options
		want    string
		reached bool
		maxTime time.Duration
	}{
		{
			name:    "all answer",
			want:    "1 fd77:1::2 R R R\n2 fd77:2::2 R R R\n3 fd77:3::2 R R R\n4 fd77:4::2 R R R\n5 fd77:5::2 R R R\n",
			reached: true, maxTime: 10 * time.Millisecond,
		},
		{
			name:    "silent router",
			setup:   func(s *tracetest.Network) { s.Routers[1].Silent = true },
			want:    "1 fd77:1::2 R R R\n2 * * *\n3 fd77:3::2 R R R\n4 fd77:4::2 R R R\n5 fd77:5::2 R R R\n",
			reached: true, maxTime: silentMin + time.Millisecond,
		},
		{
			name:    "lossy router",
			setup:   func(s *tracetest.Network) { s.Routers[2].Drop = func(n int) bool { return n == 2 } },
			want:    "1 fd77:1::2 R R R\n2 fd77:2::2 R R R\n3 fd77:3::2 R * R\n4 fd77:4::2 R R R\n5 fd77:5::2 R R R\n",
			reached: true, maxTime: 20 * time.Millisecond,
		},
		{
			name: "slow icmp",
			setup: func(s *tracetest.Network) {
				s.Routers[1].Delay = 30 * time.Millisecond
				s.DstDelay = 10 * time.Millisecond
			},
			want:    "1 fd77:1::2 R R R\n2 fd77:2::2 R R R\n3 fd77:3::2 R R R\n4 fd77:4::2 R R R\n5 fd77:5::2 R R R\n",
			reached: true, maxTime: 100 * time.Millisecond,
		},
		{
			// traceroute -6 marks address unreachable (1/3) !H.
			name:    "address unreachable",
			setup:   func(s *tracetest.Network) { s.Routers[2].Unreach = true },
			want:    "1 fd77:1::2 R R R\n2 fd77:2::2 R R R\n3 fd77:3::2 R R R\n4 fd77:3::2 R !H R !H R !H\n",
			maxTime: 10 * time.Millisecond,
		},
		{
			name:    "destination never answers",
			setup:   func(s *tracetest.Network) { s.DstSilent = true },
			opt:     Options{MaxHops: 6},
			want:    "1 fd77:1::2 R R R\n2 fd77:2::2 R R R\n3 fd77:3::2 R R R\n4 fd77:4::2 R R R\n5 * * *\n6 * * *\n",
			maxTime: DefaultTailWait + 100*time.Millisecond,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := tracetest.New6(4)
			if tc.setup != nil {
				tc.setup(s)
			}
			out, res, took, err := runSim(t, context.Background(), s, tc.opt)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if got := shape(out); got != tc.want {
				t.Errorf("hops:\n%s\nwant:\n%s\nraw:\n%s", got, tc.want, out)
			}
			if res.Trace.Reached() != tc.reached || res.Trace.Src != s.Src || res.Trace.Dst != s.Dst {
				t.Errorf("trace %s -> %s, Reached = %v; want %s -> %s, %v", res.Trace.Src, res.Trace.Dst, res.Trace.Reached(), s.Src, s.Dst, tc.reached)
			}
			if took > tc.maxTime {
				t.Errorf("took %s of virtual time, want at most %s", took, tc.maxTime)
			}
			if res.Missed != 0 || res.Sent != len(s.Sends) {
				t.Errorf("sent %d (network saw %d), missed %d", res.Sent, len(s.Sends), res.Missed)
			}
		})
	}
}

// recProber is a Prober that records what the engine asks of it and
// decides what the analyzer takes for a probe.
type recProber struct {
	inner   Prober
	builds  [][2]int // (ttl, n)
	asked   int
	noProbe bool // IsProbe says no to everything
}

func (p *recProber) Build(ttl uint8, n int) ([]byte, error) {
	p.builds = append(p.builds, [2]int{int(ttl), n})
	return p.inner.Build(ttl, n)
}

func (p *recProber) IsProbe(inf *analyze.Info) bool {
	p.asked++
	return !p.noProbe && p.inner.IsProbe(inf)
}

// TestEngineProber: the engine builds every probe through Options.Prober,
// numbering them 0, 1, 2... in send order, TTL by TTL, and the analyzer
// knows its probes by the Prober's IsProbe.
func TestEngineProber(t *testing.T) {
	for _, noProbe := range []bool{false, true} {
		s := tracetest.New(4)
		o := Options{Src: s.Src, Dst: s.Dst, ID: 0x4242, Payload: 16, MaxHops: 8}
		p := &recProber{inner: mustDefaultProber(t, o), noProbe: noProbe}
		o.Prober = p
		if noProbe {
			o.Wait = time.Second
		}
		res, err := Run(context.Background(), s, o)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.builds) != res.Sent || res.Sent != len(s.Sends) {
			t.Fatalf("noProbe %v: %d builds, %d sent, network saw %d", noProbe, len(p.builds), res.Sent, len(s.Sends))
		}
		for i, b := range p.builds {
			if b[1] != i || (i > 0 && b[0] < p.builds[i-1][0]) {
				t.Fatalf("noProbe %v: build %d was (ttl %d, n %d) after (ttl %d, n %d): want n = %d, TTLs in order", noProbe, i, b[0], b[1], p.builds[i-1][0], p.builds[i-1][1], i)
			}
		}
		if p.asked == 0 {
			t.Errorf("noProbe %v: the analyzer never asked the Prober", noProbe)
		}
		if got := len(res.Trace.Probes); noProbe && (got != 0 || res.Trace.Reached() || res.Missed != res.Sent) {
			t.Errorf("IsProbe false: trace holds %d probes, reached %v, missed %d of %d; want none, false, all", got, res.Trace.Reached(), res.Missed, res.Sent)
		} else if !noProbe && (!res.Trace.Reached() || res.Missed != 0) {
			t.Errorf("trace not reached (missed %d)", res.Missed)
		}
	}
}

// TestEchoProber: the default probes are today's: ICMP Echo with the run's
// identifier, sequence number and IP ID craft.SeqFor(ttl, attempt), the
// attempt counted per TTL (the engine sends TTL by TTL: TestEngineProber).
func TestEchoProber(t *testing.T) {
	o := Options{Src: netip.MustParseAddr("10.77.1.1"), Dst: netip.MustParseAddr("10.77.5.2"), ID: 0x4242, Payload: 16}
	p := mustDefaultProber(t, o)
	tests := []struct {
		ttl     uint8
		seq     uint16 // = IP ID
		attempt string
	}{
		{1, 0x0100, "first at TTL 1"},
		{1, 0x0101, "second at TTL 1"},
		{2, 0x0200, "first at TTL 2"},
		{2, 0x0201, "second at TTL 2"},
	}
	for n, tc := range tests {
		b, err := p.Build(tc.ttl, n)
		if err != nil {
			t.Fatal(err)
		}
		// IPv4: TTL at 8, ID at 4-5; ICMP after 20 bytes: type 8, id at
		// 24-25, seq at 26-27.
		if len(b) != 20+8+16 || b[8] != tc.ttl || b[20] != 8 ||
			binary.BigEndian.Uint16(b[4:6]) != tc.seq || binary.BigEndian.Uint16(b[24:26]) != 0x4242 || binary.BigEndian.Uint16(b[26:28]) != tc.seq {
			t.Errorf("%s: % x, want TTL %d, echo id 0x4242, seq and IP ID %#04x", tc.attempt, b, tc.ttl, tc.seq)
		}
	}
}

func mustDefaultProber(t *testing.T, o Options) Prober {
	t.Helper()
	p, err := defaultProber(o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
