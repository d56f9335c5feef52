package report

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/analyze"
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
//
// When off < 0 and d is a whole IPv6 packet carrying ICMPv6, UDP or TCP
// right after its fixed header (payload length = the bytes after it), d
// is handed to ChecksumPseudo: IPv6 has no header checksum, and the one
// that counts covers the pseudo-header and the upper-layer message. A
// whole IPv4 packet carrying UDP or TCP (total length = len(d)) goes to
// ChecksumPseudo4 likewise: its transport checksum, over the IPv4
// pseudo-header, is the one a header alone does not show.
func Checksum(out io.Writer, d []byte, verify bool, off int) error {
	if len(d) == 0 {
		return errors.New("checksum: no data")
	}
	if off < 0 {
		if ph, msg, ok := ipv6Upper(d); ok {
			return ChecksumPseudo(out, ph, msg, verify, -1, d)
		}
		if ph, msg, ok := ipv4Upper(d); ok {
			return ChecksumPseudo4(out, ph, msg, verify, -1, d)
		}
	}
	h := analyze.IPv4Header(d) // if it is one: Version and HeaderLen read d[0] alone
	ipv4 := h.Version() == 4
	ihl := h.HeaderLen()
	whole := ""
	if ipv4 && ihl >= analyze.IPv4MinLen && len(d) > ihl && int(h.TotalLen()) == len(d) && (off < 0 || off == 10) {
		// A whole IPv4 packet whose header checksum is asked for: that
		// covers the header alone (RFC 791), not what it carries.
		whole = fmt.Sprintf("note: this is an IPv4 packet of %d bytes; its header checksum covers the first %d alone, which are summed here (the %d bytes after the header are %s; give them alone to sum them)\n",
			len(d), ihl, len(d)-ihl, h.Protocol())
		d = d[:ihl]
	}
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
	if verify {
		if _, err := craft.FieldChecksum(d, off); err != nil {
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
	if whole != "" {
		b.WriteString(whole)
	} else if ipv4 && ihl >= 20 && len(d) > ihl {
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

	return finishChecksum(out, &b, s, d, off, off, verify, auto, "", "an IPv4 header", 0)
}

// finishChecksum writes the end-around carries, the sums and the checksum
// of s, computed over d, then, when verify is set, the check of the field
// at byte at of d, shown as offset off of the part of d named where ("" for
// all of d), and hands b to out; kind names the data when auto says it was
// checked without being asked ("an IPv4 header"). udp is 4 or 6 when the
// field is a UDP checksum over IPv4 or IPv6, 0 for any other: UDP sends a
// computed 0x0000 as 0xFFFF, since a zero field means no checksum over
// IPv4 (RFC 768) and is illegal over IPv6 (RFC 8200 section 8.1). It
// returns an error wrapping ErrChecksumInvalid when the field is wrong.
func finishChecksum(out io.Writer, b *strings.Builder, s craft.Steps, d []byte, at, off int, verify, auto bool, where, kind string, udp int) error {
	if len(s.Folds) == 0 {
		b.WriteString("end-around carry: none, the sum fits in 16 bits\n")
	}
	for _, f := range s.Folds {
		fmt.Fprintf(b, "end-around carry: 0x%08X -> 0x%04X + 0x%04X = 0x%08X\n", f.Before, f.Before&0xffff, f.Carry, f.After)
	}
	fmt.Fprintf(b, "one's complement sum: 0x%04X\n", s.Sum)
	fmt.Fprintf(b, "one's complement of it: ~0x%04X = 0x%04X\n\n", s.Sum, s.Result)
	if udp != 0 && s.Result == 0 && at+2 <= len(d) && d[at] == 0 && d[at+1] == 0 {
		// Computed with the field empty, to fill it in.
		fmt.Fprintf(b, "checksum: 0xFFFF (UDP sends a computed 0x0000 as 0xFFFF, its other zero: 0x0000 in the field means no checksum, RFC 768)\n")
	} else {
		fmt.Fprintf(b, "checksum: 0x%04X\n", s.Result)
	}

	var err error
	if verify {
		want, _ := craft.FieldChecksum(d, at) // the caller checked at
		if udp != 0 && want == 0 {
			want = 0xffff
		}
		b.WriteString("\n")
		switch {
		case auto:
			fmt.Fprintf(b, "verify (the data is %s with its checksum filled in):\n", kind)
		default:
			b.WriteString("verify:\n")
		}
		field := uint16(d[at])<<8 | uint16(d[at+1])
		place := fmt.Sprintf("offset %d", off)
		if where != "" {
			place = fmt.Sprintf("offset %d of the %s", off, where)
		}
		switch {
		case udp == 4 && field == 0:
			fmt.Fprintf(b, "  checksum field at %s: 0x0000: no checksum was sent (RFC 768), none to verify; it would be 0x%04X\n", place, want)
		case udp == 6 && field == 0:
			fmt.Fprintf(b, "  checksum field at %s: 0x0000, illegal in UDP over IPv6 (RFC 8200 section 8.1): invalid; expected 0x%04X\n", place, want)
			err = fmt.Errorf("%w: field at %s is 0x0000, illegal over IPv6, expected 0x%04X", ErrChecksumInvalid, place, want)
		case s.Valid():
			fmt.Fprintf(b, "  the one's complement sum is 0xFFFF (checksum 0x0000): valid\n")
			fmt.Fprintf(b, "  checksum field at %s: 0x%04X\n", place, field)
		default:
			fmt.Fprintf(b, "  the one's complement sum is 0x%04X, not 0xFFFF: invalid\n", s.Sum)
			fmt.Fprintf(b, "  checksum field at %s holds 0x%04X; expected 0x%04X\n", place, field, want)
			err = fmt.Errorf("%w: field at %s is 0x%04X, expected 0x%04X", ErrChecksumInvalid, place, field, want)
		}
	}
	if _, werr := io.WriteString(out, b.String()); werr != nil {
		return werr
	}
	return err
}

// upperChecksumOffset is the offset of the checksum field of an
// upper-layer protocol whose checksum covers the IPv6 pseudo-header:
// ICMPv6 (RFC 4443 section 2.1), UDP (RFC 768), TCP (RFC 9293 section
// 3.1).
func upperChecksumOffset(p layers.IPProtocol) (int, bool) {
	switch p {
	case layers.IPProtocolICMPv6:
		return 2, true
	case layers.IPProtocolUDP:
		return 6, true
	case layers.IPProtocolTCP:
		return 16, true
	}
	return 0, false
}

// ipv6Upper splits d, if it is a whole IPv6 packet carrying ICMPv6, UDP or
// TCP right after its fixed header, into the pseudo-header of its
// upper-layer message and that message.
func ipv6Upper(d []byte) (ph [craft.PseudoHeaderLen]byte, msg []byte, ok bool) {
	h := analyze.IPv6Header(d)
	if len(d) < analyze.IPv6HeaderLen || h.Version() != 6 || analyze.IPv6HeaderLen+int(h.PayloadLen()) != len(d) {
		return ph, nil, false
	}
	next := h.NextHeader()
	off, known := upperChecksumOffset(next)
	if !known || len(d)-analyze.IPv6HeaderLen < off+2 {
		return ph, nil, false
	}
	ph, err := craft.PseudoHeader(h.Src(), h.Dst(), uint32(len(d)-analyze.IPv6HeaderLen), next)
	if err != nil {
		return ph, nil, false
	}
	return ph, d[analyze.IPv6HeaderLen:], true
}

// ipv4Upper splits d, if it is a whole IPv4 packet carrying UDP or TCP
// (total length len(d), more than the header), into the IPv4
// pseudo-header of its datagram or segment and that message.
func ipv4Upper(d []byte) (ph [craft.PseudoHeader4Len]byte, msg []byte, ok bool) {
	h := analyze.IPv4Header(d)
	if len(d) < analyze.IPv4MinLen || h.Version() != 4 || int(h.TotalLen()) != len(d) {
		return ph, nil, false
	}
	if h.FragOffset() != 0 || h.Flags()&1 != 0 {
		return ph, nil, false // a fragment: the datagram is whole only once reassembled
	}
	ihl, p := h.HeaderLen(), h.Protocol()
	off, known := upperChecksumOffset(p)
	if !known || p == layers.IPProtocolICMPv6 || ihl < analyze.IPv4MinLen || len(d)-ihl < off+2 {
		return ph, nil, false
	}
	ph, err := craft.PseudoHeader4(h.Src(), h.Dst(), uint16(len(d)-ihl), p)
	if err != nil {
		return ph, nil, false
	}
	return ph, d[ihl:], true
}

// pseudoWord4 names the IPv4 pseudo-header field the word at off is in.
func pseudoWord4(off int) string {
	switch {
	case off < 4:
		return "source"
	case off < 8:
		return "destination"
	case off < 10:
		return "zero, protocol"
	}
	return "length"
}

// pseudoWord names the pseudo-header field the word at off is in.
func pseudoWord(off int) string {
	switch {
	case off < 16:
		return "source"
	case off < 32:
		return "destination"
	case off < 36:
		return "upper-layer length"
	case off < 38:
		return "zero"
	}
	return "zero, next header"
}

// ChecksumPseudo writes the RFC 1071 computation of an upper-layer
// checksum under the IPv6 pseudo-header ph (RFC 8200 section 8.1): the
// words of ph, each named, then those of msg, the running sum across both,
// the carries, the complement. When verify is set, or pkt (the whole IPv6
// packet msg came from, or nil) has the field filled in and off < 0, it
// checks the checksum field at offset off of msg (off < 0: by ph's next
// header, 2 for ICMPv6, 6 for UDP, 16 for TCP). It returns an error
// wrapping ErrChecksumInvalid, after writing everything, when the field is
// wrong, and a *FieldOffsetError for a bad off.
func ChecksumPseudo(out io.Writer, ph [craft.PseudoHeaderLen]byte, msg []byte, verify bool, off int, pkt []byte) error {
	return checksumPseudo(out, ph[:], msg, verify, off, pkt)
}

// ChecksumPseudo4 is ChecksumPseudo for a UDP datagram (RFC 768) or TCP
// segment (RFC 9293 section 3.1) over IPv4, under its 12-byte IPv4
// pseudo-header ph (source, destination, zero, protocol, length): off < 0
// takes the field by ph's protocol, 6 for UDP, 16 for TCP; pkt is the
// whole IPv4 packet msg came from, or nil.
func ChecksumPseudo4(out io.Writer, ph [craft.PseudoHeader4Len]byte, msg []byte, verify bool, off int, pkt []byte) error {
	return checksumPseudo(out, ph[:], msg, verify, off, pkt)
}

// checksumPseudo is ChecksumPseudo and ChecksumPseudo4: ph's length says
// which family.
func checksumPseudo(out io.Writer, ph []byte, msg []byte, verify bool, off int, pkt []byte) error {
	v6 := len(ph) == craft.PseudoHeaderLen
	next := layers.IPProtocol(ph[len(ph)-1])
	if !v6 {
		next = layers.IPProtocol(ph[9])
	}
	auto := false
	if off < 0 {
		var known bool
		if off, known = upperChecksumOffset(next); !known {
			off = 2
		}
		// A zero field is checked too where it is illegal: UDP over IPv6.
		auto = !verify && pkt != nil && off+2 <= len(msg) && (msg[off] != 0 || msg[off+1] != 0 || v6 && next == layers.IPProtocolUDP)
	}
	verify = verify || auto
	d := append(append([]byte(nil), ph...), msg...)
	if verify {
		if _, err := craft.FieldChecksum(msg, off); err != nil {
			return &FieldOffsetError{Off: off, Len: len(msg)}
		}
	}
	name := next.String()
	s := craft.ChecksumSteps(d)
	var b strings.Builder
	if v6 {
		fmt.Fprintf(&b, "RFC 1071 checksum of the %d-byte IPv6 pseudo-header (RFC 8200 section 8.1) and a %d-byte %s message: %d 16-bit words",
			craft.PseudoHeaderLen, len(msg), name, len(s.Words))
	} else {
		fmt.Fprintf(&b, "RFC 1071 checksum of the %d-byte IPv4 pseudo-header (RFC 768, RFC 9293 section 3.1) and a %d-byte %s message: %d 16-bit words",
			craft.PseudoHeader4Len, len(msg), name, len(s.Words))
	}
	if s.Padded {
		b.WriteString(", the last padded with a zero byte")
	}
	b.WriteString("\n")
	switch {
	case pkt != nil && v6:
		fmt.Fprintf(&b, "note: this is an IPv6 packet; IPv6 has no header checksum: the %s checksum covers the pseudo-header, built from its header, and the %d bytes after the 40-byte header\n", name, len(msg))
	case pkt != nil:
		fmt.Fprintf(&b, "note: this is an IPv4 packet; its header checksum covers the first %d bytes alone: the %s checksum covers the pseudo-header, built from its header, and the %d bytes after it\n", len(pkt)-len(msg), name, len(msg))
	}
	b.WriteString("\n")

	tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "word\tpart\toffset\tvalue\trunning sum\t")
	for i, w := range s.Words {
		part, at, label := "pseudo", w.Offset, ""
		switch {
		case w.Offset >= len(ph):
			part, at = "message", w.Offset-len(ph)
		case v6:
			label = "  " + pseudoWord(w.Offset)
		default:
			label = "  " + pseudoWord4(w.Offset)
		}
		if s.Padded && i == len(s.Words)-1 {
			label = fmt.Sprintf("  (0x%02X + pad 0x00)", d[w.Offset])
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t0x%04X\t0x%08X\t%s\n", i+1, part, at, w.Value, w.Running, label)
	}
	tw.Flush()
	b.WriteString("(offset: bytes from the start of the pseudo-header or of the message)\n\n")
	kind := "an IPv6 packet"
	if !v6 {
		kind = "an IPv4 packet"
	}
	udp := 0
	if next == layers.IPProtocolUDP && off == 6 {
		udp = 4
		if v6 {
			udp = 6
		}
	}
	return finishChecksum(out, &b, s, d, len(ph)+off, off, verify, auto, "message", kind, udp)
}
