// Package hugepage asks Linux, before any other package of tracers is
// initialised, to back the program's zero-initialised data with
// transparent huge pages. Import it for its side effect, first.
//
// github.com/gopacket/gopacket/layers fills about 5 MB of tables when it is
// initialised, before main runs. A page fault per 4 KiB page is cheap on
// most machines, but on virtual machines where a first touch costs some
// 13 µs (measured here: 1024 pages in 13.5 ms) it made every tracers
// command take 20 ms longer than the same program without those tables; a
// 2 MiB page covers 512 of them at once (`tracers version`: 39 ms -> 26
// ms). Where transparent huge pages are off or missing, nothing changes.
//
// Go initialises packages in import-path order among those whose imports
// are ready, so this package, which needs only a few of the standard
// library's, runs before gopacket's (TestInitOrder checks it).
//
// Heap does the same for the heap of a program that will grow it to a
// known size, such as tracers replay.
package hugepage
