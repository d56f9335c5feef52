// Package hugepage asks Linux to back the Go heap of a program that will
// grow it to a known size with transparent huge pages: one page fault per
// 2 MiB instead of one per 4 KiB. On virtual machines, where a first touch
// of a page is dear, that is a measurable share of tracers replay's time.
//
// Measured on this project's 2-CPU virtual machine (Linux 6.18, THP
// "madvise", other builds running: wall times too noisy to use), `tracers
// replay --format json` of scripts/gencap's 2,000,000-packet capture, the
// binaries with and without Heap run in turns, user+sys CPU medians: 870
// against 992 ms over 15 runs each (paired ratio 0.88), and again 950
// against 1014 ms over 11 runs each (0.94); minor page faults 2,500-2,900
// against 10,100-10,200. `tracers version` gained nothing from advising
// the program's data at start-up, once gopacket builds its tables lazily
// (26.6 against 25.9 ms of CPU, 502 against 498 page faults, 75 runs
// each), so the package no longer does that.
//
// Where transparent huge pages are off or missing, nothing changes.
package hugepage
