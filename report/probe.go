package report

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/craft"
)

// probeParts is what craft says of pkt: its fields, the fields of the
// pseudo-header its checksum covers (IPv6 only) and its checksums.
func probeParts(pkt []byte) (fields, pseudo []craft.Field, checks []craft.Check, err error) {
	if fields, err = craft.Fields(pkt); err != nil {
		return nil, nil, nil, err
	}
	if pseudo, err = craft.PseudoFields(pkt); err != nil {
		return nil, nil, nil, err
	}
	if checks, err = craft.Checks(pkt); err != nil {
		return nil, nil, nil, err
	}
	return fields, pseudo, checks, nil
}

// Probe writes what craft knows of a probe it built from s: a title line,
// every IPv4 and ICMP, or IPv6 and ICMPv6, field as a table (layer,
// offset, size, field, value, meaning), for IPv6 the pseudo-header the
// ICMPv6 checksum covers, a hex dump, and the checksums, as gopacket wrote
// them and as craft's RFC 1071 code computes them. written names the file
// the probe was saved to, or is "".
func Probe(out io.Writer, s craft.Spec, pkt []byte, written string) error {
	fields, pseudo, checks, err := probeParts(pkt)
	if err != nil {
		return err
	}
	v6 := s.Dst.Is6()
	var b strings.Builder
	if v6 {
		fmt.Fprintf(&b, "probe %v -> %v, hop limit %d, ICMPv6 id 0x%04x seq 0x%04x, flow label 0x%05x: %d bytes (crafted, not sent)\n\n",
			s.Src, s.Dst, s.TTL, s.ID, s.Seq, s.Flow, len(pkt))
	} else {
		fmt.Fprintf(&b, "probe %v -> %v, TTL %d, ICMP id 0x%04x seq 0x%04x: %d bytes (crafted, not sent)\n\n",
			s.Src, s.Dst, s.TTL, s.ID, s.Seq, len(pkt))
	}

	fieldTable(&b, fields)
	b.WriteString("(offset: bytes from the start of the packet; .n: bit n of that byte, 0 the most significant)\n\n")
	if len(pseudo) > 0 {
		b.WriteString("pseudo-header (RFC 8200 section 8.1): summed before the ICMPv6 message into its checksum, never sent:\n")
		fieldTable(&b, pseudo)
		b.WriteString("(offset: bytes from the start of the pseudo-header)\n\n")
	}

	fmt.Fprintf(&b, "hex dump, %d bytes:\n", len(pkt))
	b.WriteString(hex.Dump(pkt))

	if v6 {
		b.WriteString("\nchecksums (RFC 1071; craft.Checksum6 over the pseudo-header and the covered bytes with the field zeroed):\n")
	} else {
		b.WriteString("\nchecksums (RFC 1071; craft.Checksum over the covered bytes with the field zeroed):\n")
	}
	writeChecks(&b, checks, written, v6)
	_, err = io.WriteString(out, b.String())
	return err
}

// fieldTable writes fields as a table: layer, offset, size, field, value,
// meaning.
func fieldTable(b *strings.Builder, fields []craft.Field) {
	tw := tabwriter.NewWriter(b, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "layer\toffset\tsize\tfield\tvalue\tmeaning")
	for _, f := range fields {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", f.Layer, fieldOffset(f), fieldSize(f), f.Name, f.Value, f.Meaning)
	}
	tw.Flush()
}

func fieldOffset(f craft.Field) string {
	if f.Bit != 0 {
		return fmt.Sprintf("%d.%d", f.Offset, f.Bit)
	}
	return fmt.Sprint(f.Offset)
}

func fieldSize(f craft.Field) string {
	if f.Layer == craft.LayerPayload || f.Bits > 32 {
		return fmt.Sprintf("%d bytes", f.Bits/8)
	}
	return fmt.Sprintf("%d bits", f.Bits)
}

func agreement(c craft.Check) string {
	switch {
	case c.Agree() && c.Valid:
		return "agree, valid"
	case c.Valid:
		return "differ but valid (0x0000 and 0xffff are both zero)"
	}
	return "DISAGREE, invalid"
}

// probeJSON is ProbeJSON's document.
type probeJSON struct {
	SchemaVersion int `json:"schema_version"` // SchemaVersion

	Src       string      `json:"src"`
	Dst       string      `json:"dst"`
	TTL       uint8       `json:"ttl"` // the hop limit for IPv6
	ID        uint16      `json:"id"`
	Seq       uint16      `json:"seq"`
	IPID      *uint16     `json:"ip_id,omitempty"`      // IPv4 only
	Flow      *uint32     `json:"flow_label,omitempty"` // IPv6 only
	Length    int         `json:"length"`
	Fields    []fieldJSON `json:"fields"`
	Pseudo    []fieldJSON `json:"pseudo_header,omitempty"` // IPv6 only
	Hex       string      `json:"hex"`
	Checksums []checkJSON `json:"checksums"`
	Written   string      `json:"written,omitempty"`
}

type fieldJSON struct {
	Layer     string `json:"layer"`
	Offset    int    `json:"offset"`
	BitOffset int    `json:"bit_offset"`
	SizeBits  int    `json:"size_bits"`
	Name      string `json:"name"`
	Value     string `json:"value"`
	Meaning   string `json:"meaning"`
}

type checkJSON struct {
	Layer    string `json:"layer"`
	Offset   int    `json:"offset"`
	Covers   int    `json:"covers"`
	Pseudo   int    `json:"pseudo_header_bytes,omitempty"`
	InPacket string `json:"in_packet"`
	Computed string `json:"computed"`
	Agree    bool   `json:"agree"`
	Valid    bool   `json:"valid"`
	Note     string `json:"note,omitempty"`
}

// ProbeJSON writes what Probe shows as one indented JSON document: the
// probe's identity, its fields, for IPv6 its pseudo-header, its bytes in
// hex and its checksums. ip_id is there for IPv4 only, flow_label and
// pseudo_header for IPv6 only.
func ProbeJSON(out io.Writer, s craft.Spec, pkt []byte, written string) error {
	fields, pseudo, checks, err := probeParts(pkt)
	if err != nil {
		return err
	}
	doc := probeJSON{
		Src: s.Src.String(), Dst: s.Dst.String(), TTL: s.TTL, ID: s.ID, Seq: s.Seq,
		Length: len(pkt), Hex: hex.EncodeToString(pkt), Written: written,
		SchemaVersion: SchemaVersion,
	}
	if s.Dst.Is6() {
		doc.Flow = &s.Flow
	} else {
		doc.IPID = &s.IPID
	}
	doc.Fields, doc.Pseudo, doc.Checksums = jsonParts(fields, pseudo, checks)
	return encodeJSON(out, doc)
}

// jsonParts are a probe's fields, pseudo-header fields and checksums as
// their JSON documents hold them.
func jsonParts(fields, pseudo []craft.Field, checks []craft.Check) (fj, pj []fieldJSON, cj []checkJSON) {
	for _, f := range fields {
		fj = append(fj, fieldJSON{f.Layer, f.Offset, f.Bit, f.Bits, f.Name, f.Value, f.Meaning})
	}
	for _, f := range pseudo {
		pj = append(pj, fieldJSON{f.Layer, f.Offset, f.Bit, f.Bits, f.Name, f.Value, f.Meaning})
	}
	for _, c := range checks {
		cj = append(cj, checkJSON{
			c.Layer, c.Offset, c.Covers, c.Pseudo, fmt.Sprintf("0x%04x", c.InPacket), fmt.Sprintf("0x%04x", c.Computed), c.Agree(), c.Valid, c.Note,
		})
	}
	return fj, pj, cj
}

// encodeJSON writes doc indented, as every probe document is.
func encodeJSON(out io.Writer, doc any) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}

// writeChecks writes the table of a probe's checksums, gopacket's against
// craft's, their notes, and the file the probe went to when written is set.
func writeChecks(b *strings.Builder, checks []craft.Check, written string, v6 bool) {
	tw := tabwriter.NewWriter(b, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "layer\tfield offset\tcovers\tin packet (gopacket)\tcraft.Checksum\tverdict")
	for _, c := range checks {
		covers := fmt.Sprintf("%d bytes", c.Covers)
		if c.Pseudo > 0 {
			covers = fmt.Sprintf("%d-byte pseudo-header + %d bytes", c.Pseudo, c.Covers)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t0x%04x\t0x%04x\t%s\n", c.Layer, c.Offset, covers, c.InPacket, c.Computed, agreement(c))
	}
	tw.Flush()
	for _, c := range checks {
		if c.Note != "" {
			fmt.Fprintf(b, "%s: %s\n", c.Layer, c.Note)
		}
	}
	if written != "" {
		family := "IPv4"
		if v6 {
			family = "IPv6"
		}
		fmt.Fprintf(b, "\nwrote %s: 1 packet, link type raw %s (%d)\n", written, family, layers.LinkTypeRaw)
	}
}
