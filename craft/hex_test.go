package craft_test

import (
	"bytes"
	"testing"

	"github.com/tracers/tracers/craft"
)

func TestParseHex(t *testing.T) {
	want := []byte{0x08, 0x00, 0x12, 0x34}
	for _, in := range []string{"08 00 12 34", "08001234", "0x08 0x00 0x1234", "08:00:12:34", "0800,1234", "08 00\n12\t34"} {
		got, err := craft.ParseHex(in)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("ParseHex(%q) = % x, %v; want % x", in, got, err, want)
		}
	}
	for _, in := range []string{"0x8", "08 0", "zz", "08 0g"} {
		if got, err := craft.ParseHex(in); err == nil {
			t.Errorf("ParseHex(%q) = % x, want an error", in, got)
		}
	}
}
