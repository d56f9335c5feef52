package craft

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// ParseHex decodes bytes written in hex as people write them: "08 00 12
// 34", "08001234", "0x08 0x00", "08:00", parts separated by spaces, tabs,
// newlines, colons or commas, each optionally prefixed with 0x. A part
// with an odd number of digits is an error.
func ParseHex(s string) ([]byte, error) {
	var data []byte
	parts := strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == ':' || r == ','
	})
	for _, p := range parts {
		digits := p
		if len(digits) > 2 && (digits[:2] == "0x" || digits[:2] == "0X") {
			digits = digits[2:]
		}
		if len(digits)%2 == 1 {
			return nil, fmt.Errorf("hex %q: odd number of digits (write a byte as two digits, 0x0a not 0xa)", p)
		}
		b, err := hex.DecodeString(digits)
		if err != nil {
			return nil, fmt.Errorf("hex %q: not hex digits", p)
		}
		data = append(data, b...)
	}
	return data, nil
}
