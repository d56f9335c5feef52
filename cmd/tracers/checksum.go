package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tracers/tracers/craft"
	"github.com/tracers/tracers/report"
)

// checksumOptions is what tracers checksum computes and checks.
type checksumOptions struct {
	Data        []byte
	Verify      bool // check Data's checksum field, at FieldOffset
	FieldOffset int  // -1: 10 for an IPv4 header (first nibble 4), else 2 (ICMP)
}

// errChecksumInvalid marks data whose checksum field is wrong: exit 1
// after the steps are shown, like sha256sum -c.
var errChecksumInvalid = report.ErrChecksumInvalid

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
			case len(args) == 0:
				return usageError{fmt.Errorf("checksum needs data: HEX arguments or --file FILE")}
			default:
				o.Data, err = craft.ParseHex(strings.Join(args, " "))
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
			err = report.Checksum(cmd.OutOrStdout(), o.Data, o.Verify, o.FieldOffset)
			if e := (*report.FieldOffsetError)(nil); errors.As(err, &e) {
				return usageError{fmt.Errorf("--field-offset %d: must be even and leave 2 bytes of the %d-byte data", e.Off, e.Len)}
			}
			return err
		},
	}
	f := c.Flags()
	f.StringVar(&file, "file", "", "read the data as raw bytes from FILE (- for standard input)")
	f.BoolVar(&o.Verify, "verify", false, "check the data's checksum field, and give its right value if wrong")
	f.IntVar(&o.FieldOffset, "field-offset", 0, "byte offset of the checksum field, implies --verify (default 10 for an IPv4 header, else 2)")
	return c
}
