// Package hugepage asks Linux to back the Go heap of a program that will
// grow it to a known size with transparent huge pages: one page fault per
// 2 MiB instead of one per 4 KiB. On virtual machines, where a first touch
// of a page is dear, that is a measurable share of tracers replay's time.
//
// Measured on this project's 2-CPU virtual machine (Linux 6.18, THP
// "madvise"), `tracers replay --format json` of scripts/gencap's
// 2,000,000-packet capture, 15 runs of each binary taken in turns: with
// Heap, 870 ms of CPU (user+sys, median) and 2,500 minor page faults;
// without, 992 ms and 10,200 (paired ratio 0.88). `tracers version` gained
// nothing from advising the program's data at start-up once gopacket
// built its tables lazily (26.6 against 25.9 ms of CPU, 502 against 498
// faults), so the package no longer does that.
//
// Where transparent huge pages are off or missing, nothing changes.
package hugepage
