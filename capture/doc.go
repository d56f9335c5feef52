// Package capture is tracers' wire: the kernel's route to a destination, a
// libpcap live handle with a BPF filter, the raw IPv4 socket that sends
// probes, name resolution (forward and bounded reverse DNS), BPF filters
// for files, and pcap/pcapng files read and written with pcapgo.
//
// It is the only package that touches the network or capture files; it
// never decodes or matches packets (that is analyze's job).
package capture
