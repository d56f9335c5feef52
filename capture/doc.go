// Package capture is tracers' wire: name resolution (forward for either
// address family, -4 or -6, and bounded reverse DNS), the check that a
// destination is one host, the kernel's route and source to a destination
// (RTM_GETROUTE for IPv4 and IPv6), the raw sockets that send crafted
// probes as they are (header included, IPv4 or IPv6), a libpcap live
// handle with a BPF filter, BPF filters for files, and pcap/pcapng files
// read and written with pcapgo.
//
// It is the only package that touches the network or capture files; it
// never decodes or matches packets (that is analyze's job).
package capture
