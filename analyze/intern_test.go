package analyze

import (
	"net/netip"
	"testing"
)

func addrN(n uint32) netip.Addr {
	var b [16]byte
	b[0], b[1] = 0x20, 0x01
	b[12], b[13], b[14], b[15] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
	return netip.AddrFrom16(b)
}

// TestAddrTable checks that the table numbers each address once, gives
// every number's address back, and forgets what it numbered each time
// half its ring was used, so that its memory stays bounded.
func TestAddrTable(t *testing.T) {
	tab := newAddrTable()
	a, b := addrN(1), addrN(2)
	ia, ib := tab.id(a), tab.id(b)
	if ia == ib || tab.id(a) != ia || tab.id(b) != ib {
		t.Fatalf("id(a), id(b), again = %d, %d, %d, %d: want two distinct, stable numbers", ia, ib, tab.id(a), tab.id(b))
	}
	if tab.addr(ia) != a || tab.addr(ib) != b {
		t.Fatalf("addr(%d), addr(%d) = %v, %v, want %v, %v", ia, ib, tab.addr(ia), tab.addr(ib), a, b)
	}
	const n = tableCap/2 + 1000
	ids := make([]uint32, n)
	for i := range uint32(n) {
		ids[i] = tab.id(addrN(i + 10))
	}
	if len(tab.ids) > tableCap/2 {
		t.Errorf("table holds %d addresses, want at most %d", len(tab.ids), tableCap/2)
	}
	// The latest numbers still give their addresses.
	for i := n - 2000; i < n; i++ {
		if got := tab.addr(ids[i]); got != addrN(uint32(i)+10) {
			t.Fatalf("addr(%d) = %v, want %v", ids[i], got, addrN(uint32(i)+10))
		}
	}
	// An address forgotten is numbered anew, never with a number in use.
	if id := tab.id(a); id == ia || id < ids[n-1] {
		t.Errorf("id(a) after the table forgot it = %d, want a new number above %d", id, ids[n-1])
	}
}
