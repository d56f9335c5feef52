package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/internal/schematest"
)

// TestSchemaGoldenFiles validates every JSON document kept in the
// repository (golden files and the like) against docs/tracers.schema.json.
func TestSchemaGoldenFiles(t *testing.T) {
	s := schematest.Load(t)
	root, err := schematest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "build" || name == "fuzz") {
				return fs.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		if rel == filepath.FromSlash(schematest.Path) || !slices.Contains([]string{".golden", ".json"}, filepath.Ext(path)) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		// Golden files hold text, CSV and JSON: only the JSON documents
		// are tracers' JSON output.
		if !json.Valid(b) || !bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) {
			return nil
		}
		found = append(found, filepath.ToSlash(rel))
		s.Validate(t, rel, b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"report/testdata/json_run.golden", "report/testdata/json_replay.golden"} {
		if !slices.Contains(found, want) {
			t.Errorf("validated %q, which lacks %s", found, want)
		}
	}
}

// TestSchemaReplayCaptures validates tracers replay --format json of every
// capture in testdata/captures.
func TestSchemaReplayCaptures(t *testing.T) {
	s := schematest.Load(t)
	files, err := filepath.Glob("../../testdata/captures/*.pcap*")
	if err != nil || len(files) < 10 {
		t.Fatalf("captures: %q, %v", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			out, err := runCLI(t, "", "replay", "--format", "json", f)
			if err != nil {
				t.Fatalf("tracers replay --format json %s: %v", f, err)
			}
			s.Validate(t, "replay --format json "+filepath.Base(f), []byte(out))
		})
	}
}

// TestSchemaCraft validates tracers craft --format json for probes at the
// edges of what craft takes.
func TestSchemaCraft(t *testing.T) {
	s := schematest.Load(t)
	write := filepath.Join(t.TempDir(), "probe.pcapng")
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"defaults", []string{"--dst", "10.77.5.2"}},
		{"every flag", []string{"--dst", "10.77.5.2", "--src", "10.77.1.1", "--ttl", "255", "--id", "0xffff", "--seq", "0", "--payload", "0"}},
		{"written", []string{"--dst", "10.77.5.2", "--ttl", "3", "--write", write}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runCLI(t, "", append([]string{"craft", "--format", "json"}, tt.args...)...)
			if err != nil {
				t.Fatalf("tracers craft --format json %s: %v", strings.Join(tt.args, " "), err)
			}
			s.Validate(t, "craft --format json "+strings.Join(tt.args, " "), []byte(out))
		})
	}
}

// TestSchemaRejects checks that the schema is not vacuous: documents that
// are not tracers' output fail.
func TestSchemaRejects(t *testing.T) {
	s := schematest.Load(t)
	const answered = `{"sent_at": "2026-11-25T14:21:36.594218891Z", "responder": "10.77.1.2", "rtt_ms": 0.036,
		"reply": "time-exceeded", "icmp_type": 11, "icmp_code": 0, "reply_ttl": 64}`
	trace := func(probe string) string {
		return `{"schema_version": 1, "traces": [{"source": "10.77.1.1", "destination": "10.77.5.2",
			"protocol": "icmp", "paris": false, "reached": false, "dest_ttl": null, "hops": [{"ttl": 1, "probes": [` + probe + `]}]}]}`
	}
	if err := s.Check([]byte(trace(answered))); err != nil {
		t.Fatalf("the valid document does not validate: %v", err)
	}
	for _, tt := range []struct{ name, doc string }{
		{"no schema_version", `{"traces": []}`},
		{"schema_version 2", `{"schema_version": 2, "traces": []}`},
		{"unknown top-level field", `{"schema_version": 1, "traces": [], "extra": 1}`},
		{"not an address", trace(strings.Replace(answered, `"10.77.1.2"`, `"10.77.1"`, 1))},
		{"unknown reply", trace(strings.Replace(answered, "time-exceeded", "timeout", 1))},
		{"TTL over 255", trace(strings.Replace(answered, `"reply_ttl": 64`, `"reply_ttl": 256`, 1))},
		{"microseconds only", trace(strings.Replace(answered, ".594218891Z", ".594218Z", 1))},
		{"unanswered with an RTT", trace(`{"sent_at": "2026-11-25T14:21:36.594218891Z", "responder": null, "rtt_ms": 1,
			"reply": null, "icmp_type": null, "icmp_code": null, "reply_ttl": null}`)},
		{"answered without a reply", trace(strings.Replace(answered, `"time-exceeded"`, "null", 1))},
		{"icmp_type without icmp_code", trace(strings.Replace(answered, `"icmp_code": 0`, `"icmp_code": null`, 1))},
		{"craft without checksums", `{"schema_version": 1, "src": "192.0.2.1", "dst": "10.77.5.2", "ttl": 1, "id": 1,
			"seq": 1, "ip_id": 1, "length": 28, "hex": "45", "fields": [{"layer": "ipv4", "offset": 0, "bit_offset": 0,
			"size_bits": 4, "name": "version", "value": "4", "meaning": "IPv4"}], "checksums": []}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.Check([]byte(tt.doc)); err == nil {
				t.Errorf("Check(%s) = nil, want a violation", tt.doc)
			}
		})
	}
}

// TestSchemaNamesEveryKind checks that the schema's "reply" and "protocol"
// enums hold every name analyze gives a reply kind and a protocol.
func TestSchemaNamesEveryKind(t *testing.T) {
	s := schematest.Load(t)
	defs := s.Doc.(map[string]any)["$defs"].(map[string]any)
	enum := func(def, prop string) []any {
		return defs[def].(map[string]any)["properties"].(map[string]any)[prop].(map[string]any)["enum"].([]any)
	}
	replies, protos := enum("probe", "reply"), enum("trace", "protocol")
	for k := analyze.Kind(1); k.String() != "unknown"; k++ {
		if !slices.Contains(replies, any(k.String())) {
			t.Errorf("reply kind %q is not in the schema's reply enum %q", k, replies)
		}
	}
	for _, p := range []analyze.Proto{analyze.ICMP, analyze.UDP, analyze.TCP} {
		if !slices.Contains(protos, any(p.String())) {
			t.Errorf("protocol %q is not in the schema's protocol enum %q", p, protos)
		}
	}
}
