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
	Src, Dst    netip.Addr // Data is an upper-layer message summed under their (IPv6 or IPv4) pseudo-header; invalid for none
	NextHeader  uint8      // the pseudo-header's next header or protocol (58 ICMPv6; IPv4: 17 UDP or 6 TCP)
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
verified when its checksum field is filled in. A whole IPv4 packet carrying UDP or TCP
is summed the same way under the 12-byte IPv4 pseudo-header (RFC 768, RFC 9293:
source, destination, zero, protocol, length): its transport checksum is the one a
header alone does not show. --src and --dst (two IPv6 or two IPv4 addresses) sum the
data as an upper-layer message under their pseudo-header (--next-header: 58 for
ICMPv6, 17 for UDP, 6 for TCP); --field-offset then counts from the start of the
message.`,
		Example: `  tracers checksum 08 00 00 00 12 34 00 01
  tracers checksum 45000073000040004011b861c0a80001c0a800c7
  tracers checksum --verify 08 00 e5 ca 12 34 00 01
  tracers checksum --file header.bin --field-offset 10
  tracers checksum --src fd77:1::1 --dst fd77:5::2 80 00 00 00 12 34 03 00
  tracers checksum --src 10.77.1.1 --dst 10.77.5.2 --next-header 17 9c 40 82 9a 00 08 00 00`,
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
				if o.FieldOffset < 0 {
					return usageError{fmt.Errorf("--field-offset %d: must be even and leave 2 bytes of the %d-byte data", o.FieldOffset, len(o.Data))}
				}
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
				if o.Src, err = parseAddr("--src", src, 0); err != nil {
					return err
				}
				family := 6
				if o.Src.Is4() {
					family = 4
				}
				if o.Dst, err = parseAddr("--dst", dst, family); err != nil {
					return err
				}
			}
			switch {
			case o.Src.Is4():
				if o.NextHeader != uint8(layers.IPProtocolUDP) && o.NextHeader != uint8(layers.IPProtocolTCP) {
					return usageError{fmt.Errorf("--next-header %d: over IPv4 only UDP (17) and TCP (6) checksums cover a pseudo-header", o.NextHeader)}
				}
				if len(o.Data) > 0xffff {
					return usageError{fmt.Errorf("%d bytes: more than an IPv4 datagram holds", len(o.Data))}
				}
				var ph [craft.PseudoHeader4Len]byte
				if ph, err = craft.PseudoHeader4(o.Src, o.Dst, uint16(len(o.Data)), layers.IPProtocol(o.NextHeader)); err != nil {
					return err
				}
				err = report.ChecksumPseudo4(cmd.OutOrStdout(), ph, o.Data, o.Verify, o.FieldOffset, nil)
			case o.Src.IsValid():
				var ph [craft.PseudoHeaderLen]byte
				if ph, err = craft.PseudoHeader(o.Src, o.Dst, uint32(len(o.Data)), layers.IPProtocol(o.NextHeader)); err != nil {
					return err
				}
				err = report.ChecksumPseudo(cmd.OutOrStdout(), ph, o.Data, o.Verify, o.FieldOffset, nil)
			default:
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
	f.StringVar(&src, "src", "", "IPv6 or IPv4 source address: sum the data as an upper-layer message under the pseudo-header (with --dst)")
	f.StringVar(&dst, "dst", "", "destination address of the pseudo-header, of --src's family (with --src)")
	f.Uint8Var(&o.NextHeader, "next-header", uint8(layers.IPProtocolICMPv6), "the pseudo-header's next header or protocol: 58 ICMPv6, 17 UDP, 6 TCP (IPv4: 17 or 6, required)")
	return c
}
