package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestLabGapLimit: toward an address behind the last router that nothing
// answers for, the trace stops after --gap-limit silent TTLs past the last
// answer, in well under a second of waiting, says so on stderr and in
// JSON; --gap-limit 0 probes on to -m.
func TestLabGapLimit(t *testing.T) {
	bin := needLab(t)
	l := labUp(t, "trtg", 2)
	const dst = "10.77.3.9" // on the destination's link: nobody has it
	start := time.Now()
	got := l.inSrc(t, bin, "run", "-n", "--gap-limit", "3", dst)
	took := time.Since(start)
	h := hops(got.stdout)
	if got.code != 0 || len(h) < 5 || h[0] != "1 10.77.1.2" || h[1] != "2 10.77.2.2" || h[2] != "3 * * *" || h[4] != "5 * * *" {
		t.Errorf("exit %d, hops:\n%s\nwant routers 1 and 2, then silent TTLs", got.code, strings.Join(h, "\n"))
	}
	if want := "tracers: stopped after 3 silent hops past hop 2"; !strings.HasPrefix(got.stderr, want) {
		t.Errorf("stderr %q, want it to start with %q", got.stderr, want)
	}
	// The silent TTLs are given 1s (TailWait) together; -w is 5s.
	if took > 3*time.Second {
		t.Errorf("took %s, want well under -w", took)
	}

	js := l.inSrc(t, bin, "run", "-n", "--gap-limit", "3", "--format", "json", dst)
	var doc struct {
		Traces []struct {
			GapLimit *struct {
				AfterTTL   int `json:"after_ttl"`
				SilentTTLs int `json:"silent_ttls"`
			} `json:"gap_limit"`
		} `json:"traces"`
	}
	if err := json.Unmarshal([]byte(js.stdout), &doc); err != nil || len(doc.Traces) != 1 {
		t.Fatalf("JSON: %v, %d traces:\n%s", err, len(doc.Traces), js.stdout)
	}
	if g := doc.Traces[0].GapLimit; g == nil || g.AfterTTL != 2 || g.SilentTTLs != 3 {
		t.Errorf("gap_limit %+v, want after_ttl 2, silent_ttls 3", g)
	}

	// Every TTL up to -m, each silent one given 0.2 s, done before router
	// 2's ARP for the address gives up (3 s) and it answers !H.
	none := l.inSrc(t, bin, "run", "-n", "--gap-limit", "0", "-m", "12", "-w", "1", "--tail-wait", "0.2", dst)
	if h := hops(none.stdout); none.code != 0 || len(h) != 12 || strings.Contains(none.stderr, "stopped") {
		t.Errorf("--gap-limit 0: exit %d, %d hops, stderr %q; want 12 hops and no note", none.code, len(h), none.stderr)
	}
}
