package packet_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportRules checks the import rules of ARCHITECTURE.md on the
// packages' dependencies (tests left out): capture does not import
// analyze (the packet type is this package's), and the pure packages
// import none of capture, trace, replay, run or cmd.
func TestImportRules(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list; skipped with -short")
	}
	const mod = "github.com/tracers/tracers/"
	rules := []struct {
		pkg       string
		forbidden []string
	}{
		{"capture", []string{"analyze", "craft", "report", "trace", "replay", "run"}},
		{"analyze", []string{"capture", "trace", "replay", "run", "cmd/tracers"}},
		{"craft", []string{"capture", "trace", "replay", "run", "cmd/tracers"}},
		{"report", []string{"capture", "trace", "replay", "run", "cmd/tracers"}},
		{"packet", []string{"analyze", "capture"}},
	}
	for _, r := range rules {
		t.Run(r.pkg, func(t *testing.T) {
			out, err := exec.Command("go", "list", "-deps", mod+r.pkg).Output()
			if err != nil {
				t.Fatalf("go list -deps %s: %v", r.pkg, err)
			}
			deps := map[string]bool{}
			for _, d := range strings.Fields(string(out)) {
				deps[d] = true
			}
			if !deps[mod+r.pkg] {
				t.Fatalf("go list -deps %s does not list the package itself:\n%s", r.pkg, out)
			}
			for _, f := range r.forbidden {
				if deps[mod+f] {
					t.Errorf("%s depends on %s", r.pkg, f)
				}
			}
		})
	}
}
