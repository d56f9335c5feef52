package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tracers/tracers/craft"
)

// checksumOptions is what tracers checksum computes and checks.
type checksumOptions struct {
	Data        []byte
	Verify      bool // check Data's checksum field, at FieldOffset
	FieldOffset int  // -1: 10 for an IPv4 header (first nibble 4), else 2 (ICMP)
}

// errChecksumInvalid marks data whose checksum field is wrong: exit 1
// after the steps are shown, like sha256sum -c.
var errChecksumInvalid = errors.New("checksum invalid")

func newChecksum() *cobra.Command {
	var (
		o    checksumOptions
		file string
	)
	c := &cobra.Command{
		Use:   "checksum [flags] HEX... | --file FILE",
		Short: "Compute an Internet checksum (RFC 1071) step by step, and verify one",
		Long: `checksum adds the data as 16-bit words the way RFC 1071 does (an odd last byte is
padded with a zero byte), shows the running sum after each word, every end-around
carry folded back in, the one's complement, and the checksum.

HEX is bytes in hex: "08 00 00 00 12 34 00 01", 0800000012340001, several
arguments (joined), an optional 0x prefix on each; --file reads raw bytes
(- for standard input).

--verify checks data whose checksum field is filled in: it is valid when its one's
complement sum is 0xFFFF (the checksum over it is 0); if not, checksum gives the
value the field should hold and exits 1. The field is at --field-offset bytes:
by default 10 when the data starts with nibble 4 (an IPv4 header), else 2 (ICMP).
Data that is exactly an IPv4 header with its checksum field filled in is verified
without asking.`,
		Example: `  tracers checksum 08 00 00 00 12 34 00 01
  tracers checksum 45000073000040004011b861c0a80001c0a800c7
  tracers checksum --verify 08 00 e5 ca 12 34 00 01
  tracers checksum --file header.bin --field-offset 10`,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			switch {
			case file != "" && len(args) > 0:
				return usageError{fmt.Errorf("checksum takes HEX arguments or --file, not both")}
			case file == "-":
				o.Data, err = io.ReadAll(cmd.InOrStdin())
			case file != "":
				o.Data, err = os.ReadFile(file)
			default:
				o.Data, err = parseHexArgs(args)
				if err != nil {
					return usageError{err}
				}
			}
			if err != nil {
				return err
			}
			if len(o.Data) == 0 {
				return usageError{fmt.Errorf("checksum needs data: HEX arguments or --file FILE")}
			}
			if cmd.Flags().Changed("field-offset") {
				o.Verify = true
			} else {
				o.FieldOffset = -1
			}
			return showChecksum(o, cmd.OutOrStdout())
		},
	}
	f := c.Flags()
	f.StringVar(&file, "file", "", "read the data as raw bytes from FILE (- for standard input)")
	f.BoolVar(&o.Verify, "verify", false, "check the data's checksum field, and give its right value if wrong")
	f.IntVar(&o.FieldOffset, "field-offset", 0, "byte offset of the checksum field, implies --verify (default 10 for an IPv4 header, else 2)")
	return c
}

// parseHexArgs decodes bytes written in hex over one or more arguments,
// separated by spaces or colons or not at all, each part optionally
// prefixed with 0x.
func parseHexArgs(args []string) ([]byte, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("checksum needs data: HEX arguments or --file FILE")
	}
	var data []byte
	parts := strings.FieldsFunc(strings.Join(args, " "), func(r rune) bool {
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

// showChecksum writes the RFC 1071 steps for o.Data on out and, when asked
// or when the data is a filled-in IPv4 header, verifies its checksum field.
func showChecksum(o checksumOptions, out io.Writer) error {
	d := o.Data
	ipv4 := d[0]>>4 == 4
	ihl := int(d[0]&0x0f) * 4
	off, auto := o.FieldOffset, false
	if off < 0 {
		off = 2
		if ipv4 {
			off = 10
		}
		// A whole IPv4 header with its checksum filled in is there to be checked.
		auto = !o.Verify && ipv4 && ihl >= 20 && len(d) == ihl && (d[10] != 0 || d[11] != 0)
	}
	verify := o.Verify || auto
	var want uint16
	if verify {
		var err error
		if want, err = craft.FieldChecksum(d, off); err != nil {
			return usageError{fmt.Errorf("--field-offset %d: must be even and leave 2 bytes of the %d-byte data", off, len(d))}
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
			err = fmt.Errorf("%w: field at offset %d is 0x%04X, expected 0x%04X", errChecksumInvalid, off, field, want)
		}
	}
	if _, werr := io.WriteString(out, b.String()); werr != nil {
		return werr
	}
	return err
}
