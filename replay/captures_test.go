package replay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tracers/tracers/replay"
)

// The captures in testdata/captures were made in the lab by
// scripts/mkcaptures.sh: NAME.pcap (or .pcapng) is what tcpdump saw while a
// tool traced, NAME.txt what the tool printed.
const capturesDir = "../testdata/captures"

// jsonDoc is the JSON schema of run and replay, as far as tests read it.
type jsonDoc struct {
	Traces []jsonTrace `json:"traces"`
}

// jsonTrace is one trace of jsonDoc.
type jsonTrace = struct {
	Source      string `json:"source"`
	Destination string `json:"destination"`
	Protocol    string `json:"protocol"`
	Reached     bool   `json:"reached"`
	DestTTL     *int   `json:"dest_ttl"`
	Hops        []struct {
		TTL    int `json:"ttl"`
		Probes []struct {
			Responder *string  `json:"responder"`
			RTT       *float64 `json:"rtt_ms"`
			Reply     *string  `json:"reply"`
		} `json:"probes"`
	} `json:"hops"`
}

func replayJSON(t *testing.T, file string) jsonDoc {
	t.Helper()
	var out bytes.Buffer
	if err := replay.Run(context.Background(), replay.Options{File: file, Format: "json"}, &out); err != nil {
		t.Fatalf("replay %s: %v", file, err)
	}
	var doc jsonDoc
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("replay %s: bad JSON: %v\n%s", file, err, out.String())
	}
	return doc
}

var (
	// A hop line: the TTL, then an address (IPv4, or IPv6 with a colon
	// after its first group), '*', mtr's '???', tracepath's "no reply" or
	// lft's "[target closed] ADDR"; not ping's "64 bytes from ..." nor "3
	// packets transmitted".
	toolHop = regexp.MustCompile(`^\s*(\d+)(?::|\.\|--)?\s+([0-9*?].*|[0-9a-f]{1,4}:[0-9a-f:]*\s.*|\[.*|no reply.*)$`)
	addrRE  = regexp.MustCompile(`\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b|\b[0-9a-f]{1,4}:[0-9a-f:]*[0-9a-f]\b|\b[0-9a-f]{1,4}::`)
	// toolStart begins what one run of Linux traceroute printed.
	toolStart = regexp.MustCompile(`^traceroute to (\S+) `)
)

// toolRun is what one run of a tool printed, and the destination it names
// when it says ("" when not).
type toolRun struct {
	dest, text string
}

// toolRuns splits what was printed into the runs of traceroute in it (a
// dual-stack capture holds an IPv4 and an IPv6 run), or one run, leaving
// out what another tool printed before.
func toolRuns(text string) []toolRun {
	var runs []toolRun
	for _, line := range strings.Split(text, "\n") {
		if m := toolStart.FindStringSubmatch(line); m != nil || len(runs) == 0 {
			var dest string
			if m != nil {
				dest = m[1]
			}
			runs = append(runs, toolRun{dest: dest})
		}
		runs[len(runs)-1].text += line + "\n"
	}
	// What came before the first run (ping's output) is none.
	if len(runs) > 1 && len(toolHops(runs[0].text)) == 0 {
		runs = runs[1:]
	}
	return runs
}

// traceFor is the trace of doc that run r shows: the one to r's
// destination, or the only one.
func traceFor(t *testing.T, doc jsonDoc, runs []toolRun, r toolRun) int {
	t.Helper()
	if len(doc.Traces) != len(runs) {
		t.Fatalf("replay found %d traces, want %d", len(doc.Traces), len(runs))
	}
	if len(runs) == 1 {
		return 0
	}
	for i, tr := range doc.Traces {
		if tr.Destination == r.dest {
			return i
		}
	}
	t.Fatalf("replay found no trace to %s", r.dest)
	return -1
}

// toolHops reads what a traceroute tool printed (traceroute, tracers,
// tcptraceroute, scamper, mtr -r, tracepath, lft, nmap --traceroute,
// inetutils-traceroute) into the responders it showed
// per TTL; a TTL with only '*' or '???' maps to no responder.
func toolHops(text string) map[int][]string {
	hops := map[int][]string{}
	for _, line := range strings.Split(text, "\n") {
		m := toolHop.FindStringSubmatch(line)
		if m == nil || strings.HasPrefix(strings.TrimSpace(m[2]), "[LOCALHOST]") {
			continue
		}
		ttl, _ := strconv.Atoi(m[1])
		if _, ok := hops[ttl]; !ok {
			hops[ttl] = []string{}
		}
		for _, a := range addrRE.FindAllString(m[2], -1) {
			if !slices.Contains(hops[ttl], a) {
				hops[ttl] = append(hops[ttl], a)
			}
		}
	}
	return hops
}

func captureFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pat := range []string{"*.pcap", "*.pcapng"} {
		m, err := filepath.Glob(filepath.Join(capturesDir, pat))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 20 {
		t.Fatalf("found %d captures in %s, want the whole set (scripts/mkcaptures.sh)", len(files), capturesDir)
	}
	slices.Sort(files)
	return files
}

func TestReplayFindsWhatEachToolPrinted(t *testing.T) {
	for _, file := range captureFiles(t) {
		name := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
		t.Run(name, func(t *testing.T) {
			text, err := os.ReadFile(filepath.Join(capturesDir, name+".txt"))
			if err != nil {
				t.Fatal(err)
			}
			doc := replayJSON(t, file)
			runs := toolRuns(string(text))
			for _, run := range runs {
				want := toolHops(run.text)
				if len(want) == 0 {
					t.Fatalf("no hops in %s.txt", name)
				}
				checkHops(t, doc, runs, run, want)
			}
		})
	}
}

// checkHops checks that the trace of doc that run shows has the
// responders it printed, want.
func checkHops(t *testing.T, doc jsonDoc, runs []toolRun, run toolRun, want map[int][]string) {
	t.Helper()
	tr := doc.Traces[traceFor(t, doc, runs, run)]
	{
		{
			got := map[int][]string{}
			for _, h := range tr.Hops {
				got[h.TTL] = []string{}
				for _, p := range h.Probes {
					if p.Responder != nil && !slices.Contains(got[h.TTL], *p.Responder) {
						got[h.TTL] = append(got[h.TTL], *p.Responder)
					}
				}
			}
			last := 0
			for ttl, addrs := range want {
				last = max(last, ttl)
				g, ok := got[ttl]
				if !ok {
					t.Errorf("TTL %d: tool printed %v, replay has no probe at that TTL", ttl, addrs)
					continue
				}
				slices.Sort(g)
				slices.Sort(addrs)
				if !slices.Equal(g, addrs) {
					t.Errorf("TTL %d: replay responders %v, tool printed %v", ttl, g, addrs)
				}
			}
			toolReached := slices.Contains(want[last], tr.Destination)
			if tr.Reached != toolReached {
				t.Errorf("reached = %v, tool's last hop %d shows %v (destination %s)", tr.Reached, last, want[last], tr.Destination)
			}
			if toolReached && (tr.DestTTL == nil || *tr.DestTTL != last) {
				t.Errorf("dest_ttl = %v, tool reached it at %d", tr.DestTTL, last)
			}
		}
	}
}

// wireCounts is what tshark shows on the wire: probes per TTL, and the
// replies addressed to the source.
type wireCounts struct {
	probes  map[int]int
	replies int
}

// updateTshark rewrites the stored tshark output the short suite reads
// instead of running tshark (testdata/captures/tshark; it needs tshark).
var updateTshark = flag.Bool("update-tshark", false, "rewrite testdata/captures/tshark (stored tshark output of the captures)")

// countFields are the columns tsharkCounts asks tshark for.
var countFields = []string{"ip.src", "ip.dst", "ip.ttl", "ip.proto",
	"icmp.type", "tcp.flags.syn", "tcp.flags.ack", "tcp.flags.reset",
	"ipv6.src", "ipv6.dst", "ipv6.hlim", "ipv6.nxt", "icmpv6.type"}

// capturesTsharkDir holds, per capture of testdata/captures, what
// `tshark -T fields` printed for countFields.
const capturesTsharkDir = capturesDir + "/tshark"

// storedTsharkName is where the stored tshark output of capture file is.
func storedTsharkName(file string) string {
	return filepath.Join(capturesTsharkDir, filepath.Base(file)+".txt")
}

// tsharkColumns is what `tshark -r file -T fields` prints for fields: the
// short suite reads it from testdata/captures/tshark; the full suite asks
// the real tshark (failing when CI is set and tshark is missing) and checks
// the stored copy against it; -update-tshark rewrites the stored copy.
func tsharkColumns(t *testing.T, file string, fields []string) string {
	t.Helper()
	name := storedTsharkName(file)
	head := "#fields " + strings.Join(fields, " ") + "\n"
	if testing.Short() && !*updateTshark {
		stored, err := os.ReadFile(name)
		if err != nil {
			t.Fatalf("%v (go test ./replay -run TestReplayCountsMatchTshark -update-tshark stores it)", err)
		}
		out, ok := strings.CutPrefix(string(stored), head)
		if !ok {
			t.Fatalf("%s does not start with %q (go test ./replay -run TestReplayCountsMatchTshark -update-tshark rewrites it)", name, head)
		}
		return out
	}
	needTshark(t)
	args := []string{"-r", file, "-T", "fields", "-E", "separator=/t"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	cmd := exec.Command("tshark", args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("tshark -r %s: %v: %s", file, err, errb.String())
	}
	if *updateTshark {
		if err := os.MkdirAll(capturesTsharkDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(head+out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	} else if stored, err := os.ReadFile(name); err != nil || string(stored) != head+out.String() {
		t.Errorf("%s is not what tshark prints now (%v); the short suite reads it: go test ./replay -run TestReplayCountsMatchTshark -update-tshark rewrites it", name, err)
	}
	return out.String()
}

// tsharkCounts counts probes (from src to dst: ICMP or ICMPv6 Echo
// Request, UDP, TCP SYN) per TTL or hop limit and replies (ICMP Echo
// Reply, Unreachable, Time Exceeded, and their ICMPv6 kin; TCP SYN-ACK or
// RST from dst) using the outer header of each frame, as tshark shows them
// (tsharkColumns).
func tsharkCounts(t *testing.T, file, src, dst string) wireCounts {
	t.Helper()
	out := tsharkColumns(t, file, countFields)
	first := func(s string) string { return strings.Split(s, ",")[0] }
	c := wireCounts{probes: map[int]int{}}
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		f := strings.Split(line, "\t")
		for len(f) < 13 {
			f = append(f, "")
		}
		s, d, proto, typ := first(f[0]), first(f[1]), first(f[3]), first(f[4])
		ttl, _ := strconv.Atoi(first(f[2]))
		if s == "" && f[8] != "" { // IPv6: ICMPv6 types as their ICMP kin
			s, d, proto, typ = first(f[8]), first(f[9]), first(f[11]), first(f[12])
			ttl, _ = strconv.Atoi(first(f[10]))
			if proto == "58" {
				proto, typ = "1", map[string]string{"128": "8", "129": "0", "1": "3", "3": "11"}[typ]
			}
		}
		syn, ack, rst := f[5] == "1" || f[5] == "True", f[6] == "1" || f[6] == "True", f[7] == "1" || f[7] == "True"
		switch {
		case s == src && d == dst && (proto == "1" && typ == "8" || proto == "17" || proto == "6" && syn && !ack):
			c.probes[ttl]++
		case d == src && proto == "1" && (typ == "0" || typ == "3" || typ == "11"):
			c.replies++
		case s == dst && d == src && proto == "6" && (syn && ack || rst):
			c.replies++
		}
	}
	return c
}

// TestReplayCountsMatchTshark checks replay's probes and replies against
// what tshark sees on the wire: the real tshark in the full suite, its
// stored output (testdata/captures/tshark) in the short one.
func TestReplayCountsMatchTshark(t *testing.T) {
	for _, file := range captureFiles(t) {
		name := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
		t.Run(name, func(t *testing.T) {
			doc := replayJSON(t, file)
			want := 1
			if strings.HasPrefix(name, "dual46") {
				want = 2 // an IPv4 and an IPv6 trace
			}
			if len(doc.Traces) != want {
				t.Fatalf("replay found %d traces, want %d", len(doc.Traces), want)
			}
			for _, tr := range doc.Traces {
				checkCounts(t, name, file, tr)
			}
		})
	}
}

// checkCounts checks trace tr of capture name against what tshark sees on
// the wire.
func checkCounts(t *testing.T, name, file string, tr jsonTrace) {
	t.Helper()
	{
		{
			wire := tsharkCounts(t, file, tr.Source, tr.Destination)
			probes, replies := map[int]int{}, 0
			for _, h := range tr.Hops {
				probes[h.TTL] = len(h.Probes)
				for _, p := range h.Probes {
					if p.Reply != nil {
						replies++
					}
				}
			}
			if name == "ping-and-trace" {
				// The ping (TTL 64, no Time Exceeded) is not part of the
				// trace: tshark sees its packets, replay must leave them out.
				if probes[64] != 0 || wire.probes[64] == 0 {
					t.Errorf("ping at TTL 64: replay %d probes, wire %d", probes[64], wire.probes[64])
				}
				wire.replies -= wire.probes[64] // each ping was answered
				delete(wire.probes, 64)
			}
			if name == "nmap" {
				// nmap's host discovery (an echo request and a SYN to 443
				// among others, all at one TTL above the trace's) is not
				// part of the trace; its replies cannot be told apart here.
				top := slices.Max(slices.Collect(maps.Keys(probes)))
				for ttl := range wire.probes {
					if _, ok := probes[ttl]; !ok {
						if ttl <= top {
							t.Errorf("TTL %d: tshark sees %d probes, replay none", ttl, wire.probes[ttl])
						}
						delete(wire.probes, ttl)
					}
				}
				wire.replies = replies
			}
			if fmt.Sprint(probes) != fmt.Sprint(wire.probes) {
				t.Errorf("probes per TTL: replay %v, tshark %v", probes, wire.probes)
			}
			if replies != wire.replies {
				t.Errorf("%s: answered probes: replay %d, replies on the wire (tshark) %d", tr.Destination, replies, wire.replies)
			}
		}
	}
}

func TestReplayFilter(t *testing.T) {
	for _, name := range []string{"tracers.pcap", "tracers-ng.pcapng", "any-sll2.pcap", "any-sll1.pcap"} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			o := replay.Options{File: filepath.Join(capturesDir, name), Format: "json", Filter: "not src host 10.77.3.2"}
			if err := replay.Run(context.Background(), o, &out); err != nil {
				t.Fatal(err)
			}
			var doc jsonDoc
			if err := json.Unmarshal(out.Bytes(), &doc); err != nil || len(doc.Traces) != 1 {
				t.Fatalf("bad JSON (%v) or not one trace:\n%s", err, out.String())
			}
			for _, h := range doc.Traces[0].Hops {
				answered := 0
				for _, p := range h.Probes {
					if p.Responder != nil {
						answered++
					}
				}
				if (h.TTL == 3) != (answered == 0) {
					t.Errorf("TTL %d: %d of %d probes answered; the filter should drop exactly hop 3's replies", h.TTL, answered, len(h.Probes))
				}
			}
		})
	}
	err := replay.Run(context.Background(), replay.Options{File: filepath.Join(capturesDir, "tracers.pcap"), Format: "text", Filter: "host and"}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), `filter "host and"`) {
		t.Errorf("bad filter: err = %v, want one naming the filter", err)
	}
}

var hopLineRE = regexp.MustCompile(`^\s*(\d+)\s`)

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// markRE is a traceroute mark after an RTT: !H, !N, !X, !<7>...
var markRE = regexp.MustCompile(`\s(![A-Z0-9<>-]*)`)

// marksByTTL reads the marks printed on each hop line of text.
func marksByTTL(text string) map[int][]string {
	out := map[int][]string{}
	for _, line := range strings.Split(text, "\n") {
		m := hopLineRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		ttl := atoi(m[1])
		for _, mk := range markRE.FindAllStringSubmatch(line, -1) {
			out[ttl] = append(out[ttl], mk[1])
		}
	}
	return out
}

// TestReplayMarksAsToolPrinted checks that replay marks each hop as the
// tool did (!H, !X, ... for IPv4 and IPv6), on the captures where it
// printed marks.
func TestReplayMarksAsToolPrinted(t *testing.T) {
	checked := 0
	for _, file := range captureFiles(t) {
		name := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
		text, err := os.ReadFile(filepath.Join(capturesDir, name+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		want := marksByTTL(string(text))
		if len(want) == 0 {
			continue
		}
		checked++
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			if err := replay.Run(context.Background(), replay.Options{File: file, Format: "text"}, &out); err != nil {
				t.Fatal(err)
			}
			got := marksByTTL(out.String())
			for ttl, marks := range want {
				if !slices.Equal(got[ttl], marks) {
					t.Errorf("TTL %d: replay marks %v, tool printed %v", ttl, got[ttl], marks)
				}
			}
		})
	}
	if checked < 3 {
		t.Errorf("found marks in %d captures, want the unreachable ones of both families", checked)
	}
}
