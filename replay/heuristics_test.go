package replay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/tracers/tracers/replay"
)

// Addresses of the real-capture cases beside v4src, v4r1, v4dst.
var (
	v4r2      = net.IPv4(10, 77, 2, 2)
	v4dns     = net.IPv4(10, 77, 9, 53) // a resolver
	v4nat     = net.IPv4(10, 99, 0, 1)  // what a NAT translates v4src to
	mdns4     = net.IPv4(224, 0, 0, 251)
	ssdp4     = net.IPv4(239, 255, 255, 250)
	bcast4    = net.IPv4(255, 255, 255, 255)
	mdns6     = net.ParseIP("ff02::fb")
	v6src2    = net.ParseIP("fe80::1")
	zeroAddr4 = net.IPv4(0, 0, 0, 0)
)

// timed is a capture of raw IP packets at given times.
type timed struct {
	at   []time.Duration
	pkts [][]byte
}

func (c *timed) add(at time.Duration, b []byte) {
	c.at, c.pkts = append(c.at, at), append(c.pkts, b)
}

// write stores c as a pcap file in a temporary directory and returns its name.
func (c *timed) write(t *testing.T) string {
	t.Helper()
	idx := make([]int, len(c.pkts))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return int(c.at[a] - c.at[b]) })
	var b bytes.Buffer
	w := pcapgo.NewWriter(&b)
	if err := w.WriteFileHeader(65536, layers.LinkTypeRaw); err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1800000000, 0)
	for _, i := range idx {
		p := c.pkts[i]
		ci := gopacket.CaptureInfo{Timestamp: t0.Add(c.at[i]), CaptureLength: len(p), Length: len(p)}
		if err := w.WritePacket(ci, p); err != nil {
			t.Fatal(err)
		}
	}
	name := filepath.Join(t.TempDir(), "real.pcap")
	if err := os.WriteFile(name, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

func v4(src, dst net.IP, ttl uint8, id uint16, p layers.IPProtocol) *layers.IPv4 {
	return &layers.IPv4{Version: 4, IHL: 5, TTL: ttl, Id: id, Protocol: p, SrcIP: src, DstIP: dst}
}

func udp4(t *testing.T, src, dst net.IP, ttl uint8, id, sport, dport uint16) []byte {
	return serialize(t, v4(src, dst, ttl, id, layers.IPProtocolUDP),
		&layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}, gopacket.Payload("probe-or-query"))
}

func icmpEcho4(t *testing.T, src, dst net.IP, ttl uint8, typ uint8, id, seq uint16) []byte {
	return serialize(t, v4(src, dst, ttl, seq, layers.IPProtocolICMPv4),
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(typ, 0), Id: id, Seq: seq}, gopacket.Payload("tracers!"))
}

func tcp4(t *testing.T, src, dst net.IP, ttl uint8, id, sport, dport uint16, seq, ack uint32, syn, ackf bool) []byte {
	ip := v4(src, dst, ttl, id, layers.IPProtocolTCP)
	tcp := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), Seq: seq, Ack: ack, SYN: syn, ACK: ackf, Window: 1024}
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	return serialize(t, ip, tcp)
}

// err4 is an ICMP error from `from` to `to` quoting the IP header and 8
// bytes of packet q.
func err4(t *testing.T, from, to net.IP, typ, code uint8, q []byte) []byte {
	return serialize(t, v4(from, to, 62, 7, layers.IPProtocolICMPv4),
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(typ, code)}, gopacket.Payload(q[:28]))
}

const (
	te4    = layers.ICMPv4TypeTimeExceeded
	unr4   = layers.ICMPv4TypeDestinationUnreachable
	reqTyp = layers.ICMPv4TypeEchoRequest
	repTyp = layers.ICMPv4TypeEchoReply
)

// udpTrace adds a classic UDP traceroute from v4src to v4dst at `at`: 2
// probes per TTL 1 to 3, Time Exceeded from v4r1 and v4r2, the
// destination's port unreachable at TTL 3 (none when silent).
func udpTrace(t *testing.T, c *timed, at time.Duration, dport uint16, silent bool) {
	hops := []net.IP{v4r1, v4r2, v4dst}
	for i := range 6 {
		ttl := uint8(i/2 + 1)
		port := dport
		if dport == 33434 {
			port += uint16(i) // classic: the port names the probe
		}
		p := udp4(t, v4src, v4dst, ttl, uint16(0x100+i), uint16(40000+i), port)
		sent := at + time.Duration(i)*time.Millisecond
		c.add(sent, p)
		switch {
		case ttl < 3:
			c.add(sent+time.Millisecond/2, err4(t, hops[ttl-1], v4src, te4, 0, p))
		case !silent:
			c.add(sent+time.Millisecond/2, err4(t, v4dst, v4src, unr4, 3, p))
		}
	}
}

// traceSummary is what the heuristics tests read of a replay's JSON.
type traceSummary struct {
	dst       string
	ttls      []int
	reached   bool
	rewritten []string // every reply's "rewritten", joined
}

func summaries(t *testing.T, file string) []traceSummary {
	t.Helper()
	var out bytes.Buffer
	if err := replay.Run(context.Background(), replay.Options{File: file, Format: "json"}, &out); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Traces []struct {
			Destination string `json:"destination"`
			Reached     bool   `json:"reached"`
			Hops        []struct {
				TTL    int `json:"ttl"`
				Probes []struct {
					Rewritten []string `json:"rewritten"`
				} `json:"probes"`
			} `json:"hops"`
		} `json:"traces"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, out.String())
	}
	var s []traceSummary
	for _, tr := range doc.Traces {
		ts := traceSummary{dst: tr.Destination, reached: tr.Reached}
		for _, h := range tr.Hops {
			ts.ttls = append(ts.ttls, h.TTL)
			for _, p := range h.Probes {
				ts.rewritten = append(ts.rewritten, p.Rewritten...)
			}
		}
		s = append(s, ts)
	}
	return s
}

// TestReplayRealCaptures replays what real captures hold beside a
// traceroute: flows to multicast and broadcast groups, ordinary traffic
// at the host's default TTL to the traced destination (DNS, TLS) and the
// errors it draws, and a run that pauses for reverse lookups.
func TestReplayRealCaptures(t *testing.T) {
	tests := []struct {
		name  string
		build func(t *testing.T, c *timed)
		want  []traceSummary
	}{
		{"multicast and broadcast are no trace", func(t *testing.T, c *timed) {
			udpTrace(t, c, 0, 33434, false)
			for i, ttl := range []uint8{1, 2, 4, 255} { // SSDP's and mDNS's TTLs
				at := time.Duration(i) * time.Millisecond
				c.add(at, udp4(t, v4src, ssdp4, ttl, uint16(i), 50000, 1900))
				c.add(at, udp4(t, v4src, mdns4, ttl, uint16(i), 5353, 5353))
				c.add(at, udp4(t, zeroAddr4, bcast4, ttl, uint16(i), 68, 67))
				c.add(at, serialize(t, ip6(v6src2, mdns6, ttl, 0, layers.IPProtocolUDP),
					&layers.UDP{SrcPort: 5353, DstPort: 5353}, gopacket.Payload("mdns")))
			}
		}, []traceSummary{{dst: "10.77.5.2", ttls: []int{1, 2, 3}, reached: true}}},
		{"dns at ttl 64 to the destination of a udp trace", func(t *testing.T, c *timed) {
			udpTrace(t, c, 0, 53, true) // traceroute -U -p 53, the destination silent
			for i := range 3 {
				q := udp4(t, v4src, v4dst, 64, uint16(0x900+i), uint16(5300+i), 53)
				at := time.Duration(2+i) * time.Millisecond
				c.add(at, q)
				c.add(at+time.Millisecond, err4(t, v4dst, v4src, unr4, 3, q)) // quoting a query, not a probe
			}
		}, []traceSummary{{dst: "10.77.5.2", ttls: []int{1, 2, 3}, reached: false}}},
		{"tls at ttl 64 to the destination of a tcp trace", func(t *testing.T, c *timed) {
			hops := []net.IP{v4r1, v4r2}
			for i := range 3 {
				ttl := uint8(i + 1)
				p := tcp4(t, v4src, v4dst, ttl, uint16(0x200+i), 40002, 80, 1000+uint32(i), 0, true, false)
				at := time.Duration(i) * time.Millisecond
				c.add(at, p)
				if ttl < 3 {
					c.add(at+time.Millisecond/2, err4(t, hops[i], v4src, te4, 0, p))
				}
			}
			// The browser's connection to port 80 of the same host, answered.
			c.add(5*time.Millisecond, tcp4(t, v4src, v4dst, 64, 0x300, 51000, 80, 777, 0, true, false))
			c.add(6*time.Millisecond, tcp4(t, v4dst, v4src, 60, 0, 80, 51000, 99, 778, true, true))
		}, []traceSummary{{dst: "10.77.5.2", ttls: []int{1, 2, 3}, reached: false}}},
		{"a pause for reverse lookups past gap", func(t *testing.T, c *timed) {
			hops := []net.IP{v4r1, v4r2}
			seq := uint16(1)
			for ttl := uint8(1); ttl <= 3; ttl++ {
				at := time.Duration(ttl-1) * 45 * time.Second // each hop's names take 45s
				for range 3 {
					p := icmpEcho4(t, v4src, v4dst, ttl, reqTyp, 0x77, seq)
					c.add(at, p)
					if ttl < 3 {
						c.add(at+time.Millisecond, err4(t, hops[ttl-1], v4src, te4, 0, p))
					} else {
						c.add(at+time.Millisecond, icmpEcho4(t, v4dst, v4src, 61, repTyp, 0x77, seq))
					}
					seq++
					at += time.Millisecond
				}
			}
		}, []traceSummary{{dst: "10.77.5.2", ttls: []int{1, 2, 3}, reached: true}}},
		{"a new run after a pause is a new trace", func(t *testing.T, c *timed) {
			udpTrace(t, c, 0, 33434, false)
			udpTrace(t, c, 45*time.Second, 33434, false) // the ports start again
		}, []traceSummary{{dst: "10.77.5.2", ttls: []int{1, 2, 3}, reached: true}, {dst: "10.77.5.2", ttls: []int{1, 2, 3}, reached: true}}},
		{"a nat left the quotes translated", func(t *testing.T, c *timed) {
			hops := []net.IP{v4r1, v4r2}
			for i := range 3 {
				ttl := uint8(i + 1)
				p := udp4(t, v4src, v4dst, ttl, uint16(0x500+i), 40000, 33434+uint16(i))
				q := udp4(t, v4nat, v4dst, 1, uint16(0x500+i), 61000, 33434+uint16(i))
				at := time.Duration(i) * time.Millisecond
				c.add(at, p)
				if ttl < 3 {
					c.add(at+time.Millisecond/2, err4(t, hops[i], v4src, te4, 0, q))
				} else {
					c.add(at+time.Millisecond/2, err4(t, v4dst, v4src, unr4, 3, q))
				}
			}
		}, []traceSummary{{dst: "10.77.5.2", ttls: []int{1, 2, 3}, reached: true,
			rewritten: slices.Repeat([]string{"src-addr", "src-port", "checksum"}, 3)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c timed
			tt.build(t, &c)
			file := c.write(t)
			got := summaries(t, file)
			if len(got) != len(tt.want) {
				t.Fatalf("replay found %d traces %+v, want %+v", len(got), got, tt.want)
			}
			for i, w := range tt.want {
				if g := got[i]; g.dst != w.dst || !slices.Equal(g.ttls, w.ttls) || g.reached != w.reached || !slices.Equal(g.rewritten, w.rewritten) {
					t.Errorf("trace %d: %+v, want %+v", i, g, w)
				}
			}
			if len(tt.want[0].rewritten) == 0 {
				return
			}
			var out bytes.Buffer
			if err := replay.Run(context.Background(), replay.Options{File: file, Format: "text", Explain: true}, &out); err != nil {
				t.Fatal(err)
			}
			if want := "a NAT or middlebox rewrote the source address and the source port between the source and this router"; !strings.Contains(out.String(), want) {
				t.Errorf("--explain does not say %q:\n%s", want, out.String())
			}
		})
	}
}

// TestReplayLabQuotesUnchanged checks that no reply in the lab captures
// (no NAT, no middlebox; Linux traceroute's UDP checksums left to
// offload) is said to quote a rewritten probe: the probes' sent values
// are compared right, and a checksum left to offload is not compared.
func TestReplayLabQuotesUnchanged(t *testing.T) {
	for _, file := range captureFiles(t) {
		name := filepath.Base(file)
		if strings.Contains(name, "nat") {
			continue // a capture across a NAT rewrites
		}
		var out bytes.Buffer
		if err := replay.Run(context.Background(), replay.Options{File: file, Format: "json"}, &out); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if i := bytes.Index(out.Bytes(), []byte(`"rewritten"`)); i >= 0 {
			t.Errorf("%s: a reply quotes a rewritten probe: %s", name, out.Bytes()[max(0, i-300):min(out.Len(), i+200)])
		}
	}
}
