package report

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/tracers/tracers/craft"
)

// ErrChecksumInvalid marks data whose checksum field is wrong.
var ErrChecksumInvalid = errors.New("checksum invalid")

// FieldOffsetError is a checksum field offset that is odd or leaves fewer
// than 2 bytes of the data.
type FieldOffsetError struct{ Off, Len int }

func (e *FieldOffsetError) Error() string {
	return fmt.Sprintf("checksum field offset %d: must be even and leave 2 bytes of the %d-byte data", e.Off, e.Len)
}

// Checksum writes the RFC 1071 computation over d step by step (the
// 16-bit words, the running sum, each end-around carry, the complement)
// and, when verify is set or d is exactly an IPv4 header with its checksum
// filled in, checks the checksum field at byte offset off (off < 0: 10
// for data starting with nibble 4, an IPv4 header, else 2, ICMP). It
// returns an error wrapping ErrChecksumInvalid, after writing everything,
// when the field is wrong, and a *FieldOffsetError for a bad off.
func Checksum(out io.Writer, d []byte, verify bool, off int) error {
	if len(d) == 0 {
		return errors.New("checksum: no data")
	}
	ipv4 := d[0]>>4 == 4
	ihl := int(d[0]&0x0f) * 4
	auto := false
	if off < 0 {
		off = 2
		if ipv4 {
			off = 10
		}
		// A whole IPv4 header with its checksum filled in is there to be checked.
		auto = !verify && ipv4 && ihl >= 20 && len(d) == ihl && (d[10] != 0 || d[11] != 0)
	}
	verify = verify || auto
	var want uint16
	if verify {
		var err error
		if want, err = craft.FieldChecksum(d, off); err != nil {
			return &FieldOffsetError{Off: off, Len: len(d)}
		}
	}

	s := craft.ChecksumSteps(d)
	var b strings.Builder
	fmt.Fprintf(&b, "RFC 1071 checksum of %d bytes: %d 16-bit words", s.Len, len(s.Words))
	if s.Padded {
		b.WriteString(", the last padded with a zero byte")
	}
	b.WriteString("\n")
	if ipv4 && ihl >= 20 && len(d) > ihl {
		fmt.Fprintf(&b, "note: this looks like an IPv4 packet; its header checksum covers only the first %d bytes\n", ihl)
	}
	b.WriteString("\n")

	tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "word\toffset\tvalue\trunning sum\t")
	for i, w := range s.Words {
		pad := ""
		if s.Padded && i == len(s.Words)-1 {
			pad = fmt.Sprintf("  (0x%02X + pad 0x00)", d[w.Offset])
		}
		fmt.Fprintf(tw, "%d\t%d\t0x%04X\t0x%08X\t%s\n", i+1, w.Offset, w.Value, w.Running, pad)
	}
	tw.Flush()
	b.WriteString("\n")

	if len(s.Folds) == 0 {
		b.WriteString("end-around carry: none, the sum fits in 16 bits\n")
	}
	for _, f := range s.Folds {
		fmt.Fprintf(&b, "end-around carry: 0x%08X -> 0x%04X + 0x%04X = 0x%08X\n", f.Before, f.Before&0xffff, f.Carry, f.After)
	}
	fmt.Fprintf(&b, "one's complement sum: 0x%04X\n", s.Sum)
	fmt.Fprintf(&b, "one's complement of it: ~0x%04X = 0x%04X\n\n", s.Sum, s.Result)
	fmt.Fprintf(&b, "checksum: 0x%04X\n", s.Result)

	var err error
	if verify {
		b.WriteString("\n")
		if auto {
			b.WriteString("verify (the data is an IPv4 header with its checksum filled in):\n")
		} else {
			b.WriteString("verify:\n")
		}
		field := uint16(d[off])<<8 | uint16(d[off+1])
		if s.Valid() {
			fmt.Fprintf(&b, "  the one's complement sum is 0xFFFF (checksum 0x0000): valid\n")
			fmt.Fprintf(&b, "  checksum field at offset %d: 0x%04X\n", off, field)
		} else {
			fmt.Fprintf(&b, "  the one's complement sum is 0x%04X, not 0xFFFF: invalid\n", s.Sum)
			fmt.Fprintf(&b, "  checksum field at offset %d holds 0x%04X; expected 0x%04X\n", off, field, want)
			err = fmt.Errorf("%w: field at offset %d is 0x%04X, expected 0x%04X", ErrChecksumInvalid, off, field, want)
		}
	}
	if _, werr := io.WriteString(out, b.String()); werr != nil {
		return werr
	}
	return err
}
