package main

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"

	"github.com/gopacket/gopacket/layers"
	"github.com/spf13/cobra"

	"github.com/tracers/tracers/craft"
	"github.com/tracers/tracers/report"
)

// checksumOptions is what tracers checksum computes and checks.
type checksumOptions struct {
	Data        []byte
	Verify      bool       // check Data's checksum field, at FieldOffset
	FieldOffset int        // -1: 10 for an IPv4 header (first nibble 4), else 2 (ICMP); by NextHeader under a pseudo-header
	Src, Dst    netip.Addr // IPv6: Data is an upper-layer message summed under their pseudo-header; invalid for none
	NextHeader  uint8      // the pseudo-header's next header (58, ICMPv6)
}

// errChecksumInvalid marks data whose checksum field is wrong: exit 1
// after the steps are shown, like sha256sum -c.
var errChecksumInvalid = report.ErrChecksumInvalid

func newChecksum() *cobra.Command {
	var (
		o        checksumOptions
		file     string
		src, dst string
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
without asking.

IPv6 has no header checksum: the checksums of ICMPv6, UDP and TCP over IPv6 cover a
pseudo-header (RFC 8200 section 8.1: source, destination, upper-layer length, next
header) and the message. Data that is a whole IPv6 packet carrying one of them right
after its header is summed that way, the pseudo-header words first, each named, and
verified when its checksum field is filled in. --src and --dst (IPv6 addresses) sum
the data as an upper-layer message under their pseudo-header (--next-header, 58 for
ICMPv6); --field-offset then counts from the start of the message.`,
		Example: `  tracers checksum 08 00 00 00 12 34 00 01
  tracers checksum 45000073000040004011b861c0a80001c0a800c7
  tracers checksum --verify 08 00 e5 ca 12 34 00 01
  tracers checksum --file header.bin --field-offset 10
  tracers checksum --src fd77:1::1 --dst fd77:5::2 80 00 00 00 12 34 03 00`,
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
			switch {
			case (src == "") != (dst == ""):
				return usageError{fmt.Errorf("--src and --dst go together: the pseudo-header needs both addresses")}
			case src == "" && cmd.Flags().Changed("next-header"):
				return usageError{fmt.Errorf("--next-header needs --src and --dst")}
			case src != "":
				if o.Src, err = parseAddr("--src", src, 6); err != nil {
					return err
				}
				if o.Dst, err = parseAddr("--dst", dst, 6); err != nil {
					return err
				}
			}
			if o.Src.IsValid() {
				var ph [craft.PseudoHeaderLen]byte
				if ph, err = craft.PseudoHeader(o.Src, o.Dst, uint32(len(o.Data)), layers.IPProtocol(o.NextHeader)); err != nil {
					return err
				}
				err = report.ChecksumPseudo(cmd.OutOrStdout(), ph, o.Data, o.Verify, o.FieldOffset, nil)
			} else {
				err = report.Checksum(cmd.OutOrStdout(), o.Data, o.Verify, o.FieldOffset)
			}
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
	f.StringVar(&src, "src", "", "IPv6 source address: sum the data as an upper-layer message under the pseudo-header (with --dst)")
	f.StringVar(&dst, "dst", "", "IPv6 destination address of the pseudo-header (with --src)")
	f.Uint8Var(&o.NextHeader, "next-header", uint8(layers.IPProtocolICMPv6), "the pseudo-header's next header: 58 ICMPv6, 17 UDP, 6 TCP")
	return c
}
