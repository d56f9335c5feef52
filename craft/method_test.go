package craft_test

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/craft"
)

// methods are the probe methods, named as Method.String names them.
func methods() []craft.Method {
	p := craft.DefaultPayload
	return []craft.Method{
		{Proto: analyze.ICMP, ID: 0x1234, Flow: 0x12345, Payload: p},
		{Proto: analyze.ICMP, Paris: true, ID: 0x1234, Flow: 0x12345, Payload: p},
		{Proto: analyze.UDP, SrcPort: 40000, Flow: 0x12345, Payload: p},
		{Proto: analyze.UDP, Paris: true, SrcPort: 40000, Flow: 0x12345, Payload: p},
		{Proto: analyze.UDP, Fixed: true, SrcPort: 40000, Flow: 0x12345, Payload: p},
		{Proto: analyze.TCP, SrcPort: 40000, Flow: 0x12345},
	}
}

// families are a source and destination of each family.
var families = []struct {
	name     string
	src, dst netip.Addr
}{
	{"ipv4", netip.MustParseAddr("10.77.1.1"), netip.MustParseAddr("10.77.5.2")},
	{"ipv6", netip.MustParseAddr("fd77:1::1"), netip.MustParseAddr("fd77:5::2")},
}

// identity is what the analyzer keys a probe on (analyze's setKey), with
// the IPv6 UDP checksum it tells apart probes that share their ports by.
type identity struct {
	a, b uint16
	c    uint32
}

func identityOf(m craft.Method, inf *analyze.Info) identity {
	switch m.Proto {
	case analyze.UDP:
		if inf.Src.Is6() {
			return identity{inf.SrcPort, inf.DstPort, uint32(inf.UDPSum)}
		}
		return identity{inf.SrcPort, inf.DstPort, uint32(inf.IPID)}
	case analyze.TCP:
		return identity{inf.SrcPort, inf.DstPort, inf.TCPSeq}
	}
	return identity{inf.ID, inf.Seq, 0}
}

// run builds hops x queries probes in send order (TTL-major) and calls
// check with each, decoded.
func run(t *testing.T, p *craft.Prober, hops, queries int, check func(ttl, attempt, n int, pkt []byte, inf *analyze.Info)) {
	t.Helper()
	d := analyze.NewDecoder()
	var inf analyze.Info
	n := 0
	for ttl := 1; ttl <= hops; ttl++ {
		for attempt := range queries {
			pkt, err := p.Build(uint8(ttl), n)
			if err != nil {
				t.Fatalf("Build(%d, %d) error: %v", ttl, n, err)
			}
			if err := d.Decode(layers.LinkTypeRaw, pkt, &inf); err != nil {
				t.Fatalf("Decode(Build(%d, %d)) error: %v", ttl, n, err)
			}
			check(ttl, attempt, n, pkt, &inf)
			n++
		}
	}
}

// TestProberIdentities builds every probe of a 30x3 run and a 255x10 run
// for every method and family, decodes each with analyze's Decoder and
// checks what the Method doc says: each is the run's probe, verifies,
// carries its TTL, the run's flow label and constant fields, and an
// identity no other probe of the run has.
func TestProberIdentities(t *testing.T) {
	for _, fam := range families {
		for _, m := range methods() {
			for _, size := range [][2]int{{30, 3}, {255, 10}} {
				t.Run(fmt.Sprintf("%s/%s/%dx%d", fam.name, m, size[0], size[1]), func(t *testing.T) {
					p, err := craft.NewProber(m, fam.src, fam.dst)
					if err != nil {
						t.Fatalf("NewProber(%+v) error: %v", m, err)
					}
					m := p.Method()
					seen := make(map[identity]int)
					var icmpSum uint16
					run(t, p, size[0], size[1], func(ttl, attempt, n int, pkt []byte, inf *analyze.Info) {
						where := fmt.Sprintf("probe %d (ttl %d)", n, ttl)
						if err := craft.Verify(pkt); err != nil {
							t.Fatalf("%s: Verify: %v", where, err)
						}
						if !p.IsProbe(inf) {
							t.Fatalf("%s: IsProbe(%+v) = false", where, inf)
						}
						if len(pkt) != p.Len() {
							t.Errorf("%s: length %d, Len() %d", where, len(pkt), p.Len())
						}
						if int(inf.TTL) != ttl {
							t.Errorf("%s: TTL %d", where, inf.TTL)
						}
						if fam.src.Is6() && inf.FlowLabel != m.Flow {
							t.Errorf("%s: flow label %#x, want %#x", where, inf.FlowLabel, m.Flow)
						}
						id := identityOf(m, inf)
						if prev, ok := seen[id]; ok {
							t.Fatalf("%s: identity %+v already probe %d's", where, id, prev)
						}
						seen[id] = n
						checkFields(t, where, m, fam.src.Is6(), ttl, attempt, n, pkt, inf, &icmpSum)
					})
				})
			}
		}
	}
}

// checkFields checks where m puts what in probe n.
func checkFields(t *testing.T, where string, m craft.Method, v6 bool, ttl, attempt, n int, pkt []byte, inf *analyze.Info, icmpSum *uint16) {
	t.Helper()
	ip := 20
	if v6 {
		ip = 40
	}
	switch m.Proto {
	case analyze.ICMP:
		if inf.ID != m.ID || inf.Seq != craft.SeqFor(uint8(ttl), uint8(attempt)) {
			t.Errorf("%s: id %#x seq %#x, want %#x %#x", where, inf.ID, inf.Seq, m.ID, craft.SeqFor(uint8(ttl), uint8(attempt)))
		}
		if !v6 && inf.IPID != inf.Seq {
			t.Errorf("%s: ip id %#x, want the seq %#x", where, inf.IPID, inf.Seq)
		}
		sum := binary.BigEndian.Uint16(pkt[ip+2:])
		switch {
		case m.Paris && n > 0 && sum != *icmpSum:
			t.Errorf("%s: paris icmp checksum %#04x, probe 0 had %#04x", where, sum, *icmpSum)
		case !m.Paris && n > 0 && string(pkt[ip+8:ip+10]) != "@A":
			t.Errorf("%s: classic payload starts % x, want the pattern", where, pkt[ip+8:ip+10])
		}
		if n == 0 {
			*icmpSum = sum
		}
	case analyze.UDP:
		sum := binary.BigEndian.Uint16(pkt[ip+6:])
		if sum == 0 {
			t.Errorf("%s: udp checksum 0", where)
		}
		wantS, wantD, wantID := m.SrcPort, m.Port, uint16(n+1)
		switch {
		case m.Paris:
			if sum != uint16(n+1) {
				t.Errorf("%s: paris udp checksum %#04x, want %#04x", where, sum, n+1)
			}
		case m.Fixed:
			wantS, wantID = m.SrcPort+uint16(n), m.SrcPort
			if sum != m.SrcPort {
				t.Errorf("%s: fixed udp checksum %#04x, want the tag %#04x", where, sum, m.SrcPort)
			}
		default:
			wantD = m.Port + uint16(n)
		}
		if inf.SrcPort != wantS || inf.DstPort != wantD {
			t.Errorf("%s: ports %d -> %d, want %d -> %d", where, inf.SrcPort, inf.DstPort, wantS, wantD)
		}
		if !v6 && inf.IPID != wantID {
			t.Errorf("%s: ip id %#x, want %#x", where, inf.IPID, wantID)
		}
	case analyze.TCP:
		if inf.SrcPort != m.SrcPort || inf.DstPort != m.Port || inf.TCPSeq != uint32(n+1) ||
			!inf.SYN || inf.ACK || inf.RST {
			t.Errorf("%s: tcp %d -> %d seq %d syn %v ack %v rst %v, want %d -> %d seq %d SYN only",
				where, inf.SrcPort, inf.DstPort, inf.TCPSeq, inf.SYN, inf.ACK, inf.RST, m.SrcPort, m.Port, n+1)
		}
		if !v6 && inf.IPID != uint16(n+1) {
			t.Errorf("%s: ip id %#x, want %#x", where, inf.IPID, n+1)
		}
	}
}

// TestProberRunsApart checks that two runs of the same method to the same
// destination, with another source port (UDP, TCP) or identifier (ICMP),
// never take each other's probes.
func TestProberRunsApart(t *testing.T) {
	for _, fam := range families {
		for _, m := range methods() {
			other := m
			other.ID++
			other.SrcPort++ // overlapping source port ranges for Fixed
			t.Run(fam.name+"/"+m.String(), func(t *testing.T) {
				a, err := craft.NewProber(m, fam.src, fam.dst)
				if err != nil {
					t.Fatal(err)
				}
				b, err := craft.NewProber(other, fam.src, fam.dst)
				if err != nil {
					t.Fatal(err)
				}
				run(t, b, 30, 3, func(ttl, _, n int, _ []byte, inf *analyze.Info) {
					if a.IsProbe(inf) {
						t.Errorf("run %+v takes run %+v's probe %d (ttl %d) as its own", a.Method(), b.Method(), n, ttl)
					}
				})
			})
		}
	}
}

func TestProberDefaults(t *testing.T) {
	src, dst := families[0].src, families[0].dst
	tests := []struct {
		name string
		in   craft.Method
		want craft.Method
	}{
		{"zero is icmp", craft.Method{ID: 7}, craft.Method{Proto: analyze.ICMP, ID: 7}},
		{"udp classic", craft.Method{Proto: analyze.UDP, SrcPort: 1, Payload: 32},
			craft.Method{Proto: analyze.UDP, Port: 33434, SrcPort: 1, Payload: 32}},
		{"udp paris", craft.Method{Proto: analyze.UDP, Paris: true, SrcPort: 1, Payload: 32},
			craft.Method{Proto: analyze.UDP, Paris: true, Port: 33434, SrcPort: 1, Payload: 32}},
		{"udp fixed", craft.Method{Proto: analyze.UDP, Fixed: true, SrcPort: 1, Payload: 32},
			craft.Method{Proto: analyze.UDP, Fixed: true, Port: 53, SrcPort: 1, Payload: 32}},
		{"udp port kept", craft.Method{Proto: analyze.UDP, Port: 5000, SrcPort: 1},
			craft.Method{Proto: analyze.UDP, Port: 5000, SrcPort: 1}},
		{"tcp is paris, port 80", craft.Method{Proto: analyze.TCP, SrcPort: 1},
			craft.Method{Proto: analyze.TCP, Paris: true, Port: 80, SrcPort: 1}},
		{"tcp 443", craft.Method{Proto: analyze.TCP, Port: 443, SrcPort: 1},
			craft.Method{Proto: analyze.TCP, Paris: true, Port: 443, SrcPort: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := craft.NewProber(tt.in, src, dst)
			if err != nil {
				t.Fatalf("NewProber(%+v) error: %v", tt.in, err)
			}
			if got := p.Method(); got != tt.want {
				t.Errorf("NewProber(%+v).Method() = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestProberErrors(t *testing.T) {
	v4, v6 := families[0], families[1]
	tests := []struct {
		name     string
		m        craft.Method
		src, dst netip.Addr
		want     string
	}{
		{"mixed families", craft.Method{}, v4.src, v6.dst, "mixed address families"},
		{"unknown protocol", craft.Method{Proto: 9}, v4.src, v4.dst, "unknown probe protocol: 9"},
		{"udp without source port", craft.Method{Proto: analyze.UDP}, v4.src, v4.dst, "udp: source port 0"},
		{"tcp without source port", craft.Method{Proto: analyze.TCP}, v4.src, v4.dst, "tcp: source port 0"},
		{"fixed and paris", craft.Method{Proto: analyze.UDP, Paris: true, Fixed: true, SrcPort: 1, Payload: 2}, v4.src, v4.dst, "fixed applies to classic udp only"},
		{"fixed icmp", craft.Method{Fixed: true}, v4.src, v4.dst, "icmp: fixed applies"},
		{"fixed tag", craft.Method{Proto: analyze.UDP, Fixed: true, SrcPort: 0xffff, Payload: 2}, v4.src, v4.dst, "below 65535"},
		{"paris icmp payload", craft.Method{Paris: true, Payload: 1}, v4.src, v4.dst, "icmp-paris: payload too short"},
		{"paris udp payload", craft.Method{Proto: analyze.UDP, Paris: true, SrcPort: 1}, v6.src, v6.dst, "udp-paris: payload too short"},
		{"payload", craft.Method{Payload: craft.MaxPayload6 + 1}, v6.src, v6.dst, "payload length out of range: 1453 not in 0..1452"},
		{"flow", craft.Method{Flow: 1 << 20}, v6.src, v6.dst, "flow label out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := craft.NewProber(tt.m, tt.src, tt.dst)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "craft: new prober: ") {
				t.Errorf("NewProber(%+v, %v, %v) = %v, %v; want error containing %q", tt.m, tt.src, tt.dst, p, err, tt.want)
			}
		})
	}
}

func TestProberBuildLimits(t *testing.T) {
	src, dst := families[0].src, families[0].dst
	tests := []struct {
		name string
		m    craft.Method
		ttl  uint8
		n    int
		want string // "" for no error
	}{
		{"negative", craft.Method{}, 1, -1, "probe number out of range"},
		{"icmp attempt 255", craft.Method{}, 1, 255, ""},
		{"classic udp last port", craft.Method{Proto: analyze.UDP, SrcPort: 1, Port: 65535}, 1, 0, ""},
		{"classic udp past 65535", craft.Method{Proto: analyze.UDP, SrcPort: 1, Port: 65535}, 1, 1, "destination port 65535+1 past 65535"},
		{"fixed udp past 65535", craft.Method{Proto: analyze.UDP, Fixed: true, SrcPort: 65530, Payload: 2}, 1, 6, "source port 65530+6 past 65535"},
		{"paris udp last", craft.Method{Proto: analyze.UDP, Paris: true, SrcPort: 1, Payload: 2}, 1, 65533, ""},
		{"paris udp past", craft.Method{Proto: analyze.UDP, Paris: true, SrcPort: 1, Payload: 2}, 1, 65534, "paris udp numbers probes 0..65533"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := craft.NewProber(tt.m, src, dst)
			if err != nil {
				t.Fatal(err)
			}
			if tt.name == "icmp attempt 255" {
				// The first probe at TTL 1 is n 0: n 255 is attempt 255 there.
				if _, err := p.Build(1, 0); err != nil {
					t.Fatal(err)
				}
			}
			_, err = p.Build(tt.ttl, tt.n)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Build(%d, %d) error: %v", tt.ttl, tt.n, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Build(%d, %d) = %v, want error containing %q", tt.ttl, tt.n, err, tt.want)
			}
		})
	}
	p, err := craft.NewProber(craft.Method{}, src, dst)
	if err != nil {
		t.Fatal(err)
	}
	for n := range 256 {
		if _, err := p.Build(2, n); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.Build(2, 256); err == nil || !strings.Contains(err.Error(), "attempt 256 at this ttl not in 0..255") {
		t.Errorf("Build(2, 256), the 257th probe at ttl 2 = %v, want an attempt error", err)
	}
}

func TestProberBuildAllocs(t *testing.T) {
	for _, fam := range families {
		for _, m := range methods() {
			t.Run(fam.name+"/"+m.String(), func(t *testing.T) {
				p, err := craft.NewProber(m, fam.src, fam.dst)
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				allocs := testing.AllocsPerRun(500, func() {
					if _, err := p.Build(uint8(1+n/3), n); err != nil {
						t.Fatal(err)
					}
					n++
				})
				if allocs != 0 {
					t.Errorf("Build allocs per run = %v, want 0", allocs)
				}
			})
		}
	}
}

func BenchmarkProberBuild(b *testing.B) {
	for _, fam := range families {
		for _, m := range methods() {
			b.Run(fam.name+"/"+m.String(), func(b *testing.B) {
				p, err := craft.NewProber(m, fam.src, fam.dst)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					n := i % (255 * 10)
					if _, err := p.Build(uint8(1+n/10), n); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// FuzzProber builds probes of any method, ports and probe number: what
// builds must verify, be the run's probe and carry its TTL.
func FuzzProber(f *testing.F) {
	f.Add(uint8(2), true, false, uint16(0), uint16(40000), uint16(0x1234), 32, uint8(3), 7, false)
	f.Add(uint8(3), false, false, uint16(443), uint16(1), uint16(0), 0, uint8(255), 65533, true)
	f.Add(uint8(1), true, false, uint16(0), uint16(0), uint16(0xffff), 2, uint8(1), 0, true)
	f.Add(uint8(2), false, true, uint16(53), uint16(65534), uint16(0), 1452, uint8(64), 1, true)
	d := analyze.NewDecoder()
	f.Fuzz(func(t *testing.T, proto uint8, paris, fixed bool, port, sport, id uint16, payload int, ttl uint8, n int, v6 bool) {
		m := craft.Method{Proto: analyze.Proto(proto % 4), Paris: paris, Fixed: fixed, Port: port, SrcPort: sport, ID: id, Flow: uint32(id) << 4, Payload: payload}
		fam := families[0]
		if v6 {
			fam = families[1]
		}
		p, err := craft.NewProber(m, fam.src, fam.dst)
		if err != nil {
			return
		}
		pkt, err := p.Build(ttl, n)
		if err != nil {
			return
		}
		if err := craft.Verify(pkt); err != nil {
			t.Fatalf("Verify(Build(%d, %d)) of %+v = %v", ttl, n, m, err)
		}
		var inf analyze.Info
		if err := d.Decode(layers.LinkTypeRaw, pkt, &inf); err != nil {
			t.Fatalf("Decode(Build(%d, %d)) of %+v = %v", ttl, n, m, err)
		}
		if !p.IsProbe(&inf) || inf.TTL != ttl || len(pkt) != p.Len() {
			t.Fatalf("Build(%d, %d) of %+v: IsProbe %v, TTL %d, length %d (Len %d)", ttl, n, m, p.IsProbe(&inf), inf.TTL, len(pkt), p.Len())
		}
	})
}

// TestUDPChecksumZeroSentAsOnes builds a classic UDP probe whose checksum
// computes to 0 and checks that it goes out as 0xffff, its one's
// complement twin (RFC 768), which Verify accepts: 0 would mean "no
// checksum" over IPv4 and is illegal over IPv6.
func TestUDPChecksumZeroSentAsOnes(t *testing.T) {
	for _, fam := range families {
		t.Run(fam.name, func(t *testing.T) {
			ip := 20
			if fam.src.Is6() {
				ip = 40
			}
			build := func(sport uint16) []byte {
				p, err := craft.NewProber(craft.Method{Proto: analyze.UDP, SrcPort: sport, Payload: 8}, fam.src, fam.dst)
				if err != nil {
					t.Fatal(err)
				}
				pkt, err := p.Build(1, 0)
				if err != nil {
					t.Fatalf("source port %d: %v", sport, err)
				}
				return pkt
			}
			// With source port 1 the field is c1 = ^(S + 1), S the sum of
			// the rest; the sum comes to 0 (the field to 0) with source
			// port s = -S = c1 + 1, in one's complement.
			c1 := uint32(binary.BigEndian.Uint16(build(1)[ip+6:]))
			sport := uint16((c1 + 1) % 0xffff)
			if sport == 0 {
				sport = 0xffff
			}
			pkt := build(sport)
			if sum := binary.BigEndian.Uint16(pkt[ip+6:]); sum != 0xffff {
				t.Fatalf("source port %d: checksum field %#04x, want 0xffff", sport, sum)
			}
			if err := craft.Verify(pkt); err != nil {
				t.Errorf("source port %d: Verify = %v", sport, err)
			}
		})
	}
}

// TestProberICMPIsBuilder checks that classic ICMP probes are, byte for
// byte, those the engine built with Builder before Prober came:
// seq = IP ID = SeqFor(ttl, attempt), for a run sent TTL-major from TTL 1
// (and from TTL 5, as -f 5 starts it).
func TestProberICMPIsBuilder(t *testing.T) {
	for _, fam := range families {
		for _, first := range []int{1, 5} {
			t.Run(fmt.Sprintf("%s/first %d", fam.name, first), func(t *testing.T) {
				p, err := craft.NewProber(craft.Method{Proto: analyze.ICMP, ID: 0x4242, Payload: craft.DefaultPayload}, fam.src, fam.dst)
				if err != nil {
					t.Fatal(err)
				}
				b := craft.NewBuilder()
				n := 0
				for ttl := first; ttl <= 30; ttl++ {
					for attempt := range 3 {
						got, err := p.Build(uint8(ttl), n)
						if err != nil {
							t.Fatal(err)
						}
						seq := craft.SeqFor(uint8(ttl), uint8(attempt))
						want, err := b.Build(craft.Spec{Src: fam.src, Dst: fam.dst, TTL: uint8(ttl), ID: 0x4242, Seq: seq, IPID: seq, Payload: craft.DefaultPayload})
						if err != nil {
							t.Fatal(err)
						}
						if string(got) != string(want) {
							t.Fatalf("Build(%d, %d) = % x\nBuilder gives % x", ttl, n, got, want)
						}
						n++
					}
				}
			})
		}
	}
}

// TestMethodProbes checks Method.Probes against Build: for each method its
// last probe number builds (at one TTL, as craft --probe shows it) and the
// next fails.
func TestMethodProbes(t *testing.T) {
	src, dst := families[0].src, families[0].dst
	for _, m := range []craft.Method{
		{Proto: analyze.ICMP, Paris: true, Payload: 2},
		{Proto: analyze.UDP, SrcPort: 40000, Port: 65000},
		{Proto: analyze.UDP, SrcPort: 40000}, // classic from the default port
		{Proto: analyze.UDP, Fixed: true, SrcPort: 65000, Payload: 2},
		{Proto: analyze.UDP, Paris: true, SrcPort: 40000, Payload: 2},
		{Proto: analyze.TCP, SrcPort: 40000},
	} {
		p, err := craft.NewProber(m, src, dst)
		if err != nil {
			t.Fatal(err)
		}
		n, rule := p.Method().Probes()
		if rule == "" || n < 1 {
			t.Fatalf("%s: Probes() = %d, %q", p.Method(), n, rule)
		}
		if m.Proto == analyze.TCP {
			// 2^32 probes are not built one by one: the last and the next.
			if _, err := p.Build(1, n-1); err != nil {
				t.Errorf("%s: probe %d: %v", p.Method(), n-1, err)
			}
			if _, err := p.Build(1, n); err == nil {
				t.Errorf("%s: probe %d built, past Probes() %d", p.Method(), n, n)
			}
			continue
		}
		for i := range n {
			if _, err := p.Build(1, i); err != nil {
				t.Fatalf("%s: probe %d of %d (%s): %v", p.Method(), i, n, rule, err)
			}
		}
		if _, err := p.Build(1, n); err == nil {
			t.Errorf("%s: probe %d built, past Probes() %d (%s)", p.Method(), n, n, rule)
		}
	}
}
