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

// probeParts is what craft says of pkt: its fields and its checksums.
func probeParts(pkt []byte) ([]craft.Field, []craft.Check, error) {
	fields, err := craft.Fields(pkt)
	if err != nil {
		return nil, nil, err
	}
	checks, err := craft.Checks(pkt)
	if err != nil {
		return nil, nil, err
	}
	return fields, checks, nil
}

// Probe writes what craft knows of a probe it built from s: a title line,
// every IPv4 and ICMP field as a table (layer, offset, size, field, value,
// meaning), a hex dump, and both checksums, as gopacket wrote them and as
// craft.Checksum computes them. written names the file the probe was saved
// to, or is "".
func Probe(out io.Writer, s craft.Spec, pkt []byte, written string) error {
	fields, checks, err := probeParts(pkt)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "probe %v -> %v, TTL %d, ICMP id 0x%04x seq 0x%04x: %d bytes (crafted, not sent)\n\n",
		s.Src, s.Dst, s.TTL, s.ID, s.Seq, len(pkt))

	tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "layer\toffset\tsize\tfield\tvalue\tmeaning")
	for _, f := range fields {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", f.Layer, fieldOffset(f), fieldSize(f), f.Name, f.Value, f.Meaning)
	}
	tw.Flush()
	b.WriteString("(offset: bytes from the start of the packet; .n: bit n of that byte, 0 the most significant)\n\n")

	fmt.Fprintf(&b, "hex dump, %d bytes:\n", len(pkt))
	b.WriteString(hex.Dump(pkt))

	b.WriteString("\nchecksums (RFC 1071; craft.Checksum over the covered bytes with the field zeroed):\n")
	tw = tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "layer\tfield offset\tcovers\tin packet (gopacket)\tcraft.Checksum\tverdict")
	for _, c := range checks {
		fmt.Fprintf(tw, "%s\t%d\t%d bytes\t0x%04x\t0x%04x\t%s\n", c.Layer, c.Offset, c.Covers, c.InPacket, c.Computed, agreement(c))
	}
	tw.Flush()
	if written != "" {
		fmt.Fprintf(&b, "\nwrote %s: 1 packet, link type raw IPv4 (%d)\n", written, layers.LinkTypeRaw)
	}
	_, err = io.WriteString(out, b.String())
	return err
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
	TTL       uint8       `json:"ttl"`
	ID        uint16      `json:"id"`
	Seq       uint16      `json:"seq"`
	IPID      uint16      `json:"ip_id"`
	Length    int         `json:"length"`
	Fields    []fieldJSON `json:"fields"`
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
	InPacket string `json:"in_packet"`
	Computed string `json:"computed"`
	Agree    bool   `json:"agree"`
	Valid    bool   `json:"valid"`
}

// ProbeJSON writes what Probe shows as one indented JSON document: the
// probe's identity, its fields, its bytes in hex and both checksums.
func ProbeJSON(out io.Writer, s craft.Spec, pkt []byte, written string) error {
	fields, checks, err := probeParts(pkt)
	if err != nil {
		return err
	}
	doc := probeJSON{
		Src: s.Src.String(), Dst: s.Dst.String(), TTL: s.TTL, ID: s.ID, Seq: s.Seq, IPID: s.IPID,
		Length: len(pkt), Hex: hex.EncodeToString(pkt), Written: written,
		SchemaVersion: SchemaVersion,
	}
	for _, f := range fields {
		doc.Fields = append(doc.Fields, fieldJSON{f.Layer, f.Offset, f.Bit, f.Bits, f.Name, f.Value, f.Meaning})
	}
	for _, c := range checks {
		doc.Checksums = append(doc.Checksums, checkJSON{
			c.Layer, c.Offset, c.Covers, fmt.Sprintf("0x%04x", c.InPacket), fmt.Sprintf("0x%04x", c.Computed), c.Agree(), c.Valid,
		})
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}
