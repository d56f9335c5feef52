// Package analyze turns captured packets into traceroute traces: it decodes
// each packet, IPv4 or IPv6 alike, recognises probes (ICMP or ICMPv6 Echo,
// UDP, TCP SYN), matches every ICMP or ICMPv6 error, Echo Reply or TCP
// answer to the probe it answers, and builds hops and statistics.
//
// analyze never does I/O and never reads the wall clock: packets arrive as
// bytes with their capture timestamps, from a live capture or a file alike,
// and every time it reports comes from those timestamps.
//
// Header bytes are read in one place: the views IPv4Header, IPv6Header
// (with Walk over the extension headers), ICMPHeader, UDPHeader and
// TCPHeader, and one link-layer finder per link type. The Decoder's
// hand-written layers and quoted packets, Dissect (the fields view, which
// adds tshark's reading of truncated headers on top) and craft's
// explanation and verification of a probe all read through them; gopacket
// still decodes the common layers in the Decoder and builds craft's
// probes.
package analyze
