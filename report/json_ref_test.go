package report

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tracers/tracers/analyze"
)

// refTrace, refHop and refProbe are the structs JSONWriter once encoded
// with encoding/json (SetIndent("    ", "  "), no HTML escaping); the
// hand-written appendJSON must write the same bytes.
type refTrace struct {
	Source      string   `json:"source"`
	Destination string   `json:"destination"`
	Protocol    string   `json:"protocol"`
	Paris       bool     `json:"paris"`
	Reached     bool     `json:"reached"`
	DestTTL     *int     `json:"dest_ttl"`
	Hops        []refHop `json:"hops"`
}

type refHop struct {
	TTL      int        `json:"ttl"`
	PastDest bool       `json:"past_destination,omitempty"`
	PastEnd  bool       `json:"past_end,omitempty"`
	Probes   []refProbe `json:"probes"`
}

type refProbe struct {
	SentAt    string   `json:"sent_at"`
	Responder *string  `json:"responder"`
	Name      string   `json:"name,omitempty"`
	RTT       *refMS   `json:"rtt_ms"`
	Reply     *string  `json:"reply"`
	ICMPType  *int     `json:"icmp_type"`
	ICMPCode  *int     `json:"icmp_code"`
	ReplyTTL  *int     `json:"reply_ttl"`
	Rewritten []string `json:"rewritten,omitempty"`
	Ambiguous bool     `json:"ambiguous,omitempty"`
}

type refMS float64

func (m refMS) MarshalJSON() ([]byte, error) { return []byte(formatMS(float64(m))), nil }

func ptr[T any](v T) *T { return &v }

func refOf(tr *analyze.Trace, o Options) refTrace {
	jt := refTrace{
		Source: tr.Src.String(), Destination: tr.Dst.String(), Protocol: tr.Proto.String(),
		Paris: o.paris(tr), Reached: tr.Reached(), Hops: []refHop{},
	}
	if d := tr.DestTTL(); d != 0 {
		jt.DestTTL = &d
	}
	for _, h := range o.hops(tr) {
		jh := refHop{TTL: h.TTL, PastDest: h.PastDest, PastEnd: h.PastEnd, Probes: make([]refProbe, 0, len(h.Probes))}
		for _, p := range h.Probes {
			jp := refProbe{SentAt: p.Sent.UTC().Format(rfc3339Nano9)}
			if r := p.Reply; r != nil {
				jp.Responder = ptr(r.From.String())
				jp.Name = o.name(r.From)
				jp.RTT = ptr(refMS(msValue(r.RTT)))
				jp.Reply = ptr(r.Kind.String())
				if isICMP(r) {
					jp.ICMPType, jp.ICMPCode = ptr(int(r.Type)), ptr(int(r.Code))
				}
				jp.ReplyTTL = ptr(int(r.TTL))
				jp.Rewritten = r.Rewritten.Names(nil)
			}
			jp.Ambiguous = p.Ambiguous
			jh.Probes = append(jh.Probes, jp)
		}
		jt.Hops = append(jt.Hops, jh)
	}
	return jt
}

// refJSON is what JSON wrote when it encoded refTrace values.
func refJSON(t *testing.T, trs []*analyze.Trace, o Options) string {
	t.Helper()
	if len(trs) == 0 {
		return "{\n  \"schema_version\": 1,\n  \"traces\": []\n}\n"
	}
	var b bytes.Buffer
	b.WriteString("{\n  \"schema_version\": 1,\n  \"traces\": [\n    ")
	for i, tr := range trs {
		if i > 0 {
			b.WriteString(",\n    ")
		}
		e := json.NewEncoder(&b)
		e.SetEscapeHTML(false)
		e.SetIndent("    ", "  ")
		if err := e.Encode(refOf(tr, o)); err != nil {
			t.Fatal(err)
		}
		b.Truncate(b.Len() - 1)
	}
	b.WriteString("\n  ]\n}\n")
	return b.String()
}

// randomTrace is a trace with every kind of field the schema has: hops
// past the destination, TCP answers, unanswered probes, odd RTTs, and
// sometimes no probes at all.
func randomTrace(rng *rand.Rand) *analyze.Trace {
	a := func() netip.Addr {
		return netip.AddrFrom4([4]byte{byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256))})
	}
	tr := &analyze.Trace{Src: a(), Dst: a(), Proto: analyze.Proto(rng.IntN(5))}
	t0 := time.Unix(rng.Int64N(4e9), rng.Int64N(1e9)).In(time.FixedZone("X", 3600*(rng.IntN(25)-12)))
	for range rng.IntN(40) {
		p := &analyze.Probe{TTL: 1 + rng.IntN(64), Sent: t0.Add(time.Duration(rng.Int64N(int64(time.Minute)))), Ambiguous: rng.IntN(8) == 0}
		if rng.IntN(4) > 0 {
			r := &analyze.Reply{
				From: a(), Kind: analyze.Kind(rng.IntN(16)), Type: uint8(rng.IntN(256)), Code: uint8(rng.IntN(256)),
				TTL: uint8(rng.IntN(256)), FromDest: rng.IntN(3) == 0,
			}
			if rng.IntN(4) == 0 {
				r.Rewritten = analyze.Rewritten(rng.IntN(1 << 9))
			}
			switch rng.IntN(4) {
			case 0:
				r.RTT = time.Duration(rng.Int64N(int64(time.Second)))
			case 1:
				r.RTT = time.Duration(rng.Int64N(1e6))
			case 2:
				r.RTT = -time.Duration(rng.Int64N(1e9))
			case 3:
				r.RTT = time.Duration(rng.Int64N(1 << 62))
			}
			if rng.IntN(3) == 0 {
				r.From = tr.Dst
			}
			p.Reply = r
		}
		tr.Probes = append(tr.Probes, p)
	}
	return tr
}

// oddNames gives some responders names that need escaping.
func oddNames(a netip.Addr) string {
	names := []string{"", "gw.lab", `a"b\c`, "<x>&y", "tab\there", "nl\n", "\x00\x1f\x7f", "é.example",
		"\u2028\u2029", "bad\xffutf8", "日本"}
	b := a.As4()
	return names[int(b[3])%len(names)]
}

func TestJSONMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		var trs []*analyze.Trace
		for range rng.IntN(4) {
			trs = append(trs, randomTrace(rng))
		}
		for _, o := range []Options{{}, {StopAtEnd: true}, {Names: oddNames}} {
			var got bytes.Buffer
			if err := JSON(&got, trs, o); err != nil {
				t.Fatal(err)
			}
			want := refJSON(t, trs, o)
			if diff := cmp.Diff(want, got.String()); diff != "" {
				t.Fatalf("case %d: JSON differs from encoding/json (-want +got):\n%s", i, diff)
			}
		}
	}
}

func TestJSONAddAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	tr := randomTrace(rng)
	for len(tr.Probes) < 10 {
		tr = randomTrace(rng)
	}
	j := NewJSON(&bytes.Buffer{}, Options{})
	j.w = discard{}
	// Trace.Hops allocates the hop slices; the rendering itself must not.
	hops := testing.AllocsPerRun(100, func() { _ = tr.Hops(); _ = tr.Hops() }) / 2
	allocs := testing.AllocsPerRun(100, func() {
		if err := j.Add(tr); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > hops {
		t.Errorf("JSONWriter.Add allocates %v times per trace, want at most the %v of Trace.Hops", allocs, hops)
	}
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }

func BenchmarkJSON(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	trs := make([]*analyze.Trace, 64)
	probes := 0
	for i := range trs {
		trs[i] = randomTrace(rng)
		probes += len(trs[i].Probes)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := JSON(discard{}, trs, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*probes), "ns/probe")
}
