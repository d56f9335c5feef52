package report_test

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/internal/schematest"
	"github.com/tracers/tracers/report"
)

// TestJSONSchema validates what JSON writes for every test trace, one by
// one and all together, under every option that changes the document,
// and with no trace at all, against docs/tracers.schema.json.
func TestJSONSchema(t *testing.T) {
	s := schematest.Load(t)
	// A name that needs escaping, as a resolver could return.
	odd := func(a netip.Addr) string {
		if a == addr("10.77.1.2") {
			return "gw \"lab\"\t\u00e9"
		}
		return names(a)
	}
	options := []struct {
		name string
		o    report.Options
	}{
		{"plain", report.Options{}},
		{"names", report.Options{Names: names}},
		{"odd names", report.Options{Names: odd}},
		{"stop at end", report.Options{StopAtEnd: true}},
		{"gap limit", report.Options{StopAtEnd: true, GapSilent: 5, GapAfter: 8}},
	}
	docs := []struct {
		name string
		trs  []*analyze.Trace
	}{
		{"no trace", nil},
		{"all traces", allTraces()},
	}
	for _, nt := range testTraces() {
		docs = append(docs, struct {
			name string
			trs  []*analyze.Trace
		}{nt.name, []*analyze.Trace{nt.tr}})
	}
	for _, o := range options {
		for _, d := range docs {
			t.Run(o.name+"/"+d.name, func(t *testing.T) {
				var b bytes.Buffer
				if err := report.JSON(&b, d.trs, o.o); err != nil {
					t.Fatal(err)
				}
				s.Validate(t, "JSON("+d.name+", "+o.name+")", b.Bytes())
			})
		}
	}
}
