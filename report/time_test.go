package report

import (
	"math/rand/v2"
	"net/netip"
	"strconv"
	"testing"
	"time"
)

// TestAppendTime checks the cached formatter against time.AppendFormat on
// times in one second, across seconds, days and years, in other zones,
// and outside the years RFC 3339 can write.
func TestAppendTime(t *testing.T) {
	base := time.Date(2026, 11, 25, 16, 8, 4, 0, time.UTC)
	zone := time.FixedZone("x", -7*3600-1800)
	times := []time.Time{
		base, base.Add(1), base.Add(999_999_999), base.Add(time.Second), base.Add(-1),
		time.Date(1999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
		base.In(zone), base.Add(time.Hour).In(zone),
		time.Unix(0, 0), time.Unix(0, 1).In(zone),
		time.Date(9999, 12, 31, 23, 59, 59, 5, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 7, time.UTC),
		time.Date(-1, 3, 1, 0, 0, 0, 123, time.UTC), base,
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		times = append(times, base.Add(time.Duration(r.Int64N(int64(48*time.Hour)))-24*time.Hour))
	}
	var sc scratch
	for _, tm := range times {
		got := string(sc.appendTime([]byte("x"), tm))
		want := "x" + tm.UTC().Format(rfc3339Nano9)
		if got != want {
			t.Fatalf("appendTime(%v) = %q, want %q", tm, got, want)
		}
	}
}

// TestAppendRTT checks the integer formatting of RTTs against
// strconv's shortest float formatting, which it replaces.
func TestAppendRTT(t *testing.T) {
	var ds []time.Duration
	for us := int64(-3000); us <= 3000; us++ {
		ds = append(ds, time.Duration(us)*time.Microsecond)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 100000 {
		ds = append(ds, time.Duration(r.Int64N(int64(1e12)))*time.Microsecond, time.Duration(r.Int64()))
	}
	ds = append(ds, 999_999_999_999*time.Microsecond, -999_999_999_999*time.Microsecond,
		time.Duration(1e12)*time.Microsecond, 1500*time.Nanosecond, 499*time.Nanosecond, -500*time.Nanosecond)
	for _, d := range ds {
		got := string(appendRTT([]byte("x"), d))
		want := "x" + formatMS(msValue(d))
		if got != want {
			t.Fatalf("appendRTT(%d) = %q, want %q", int64(d), got, want)
		}
	}
}

// TestAppendByte checks the table formatter against strconv for every
// byte.
func TestAppendByte(t *testing.T) {
	for v := range 256 {
		got := string(appendByte([]byte("x"), uint8(v)))
		if want := "x" + strconv.Itoa(v); got != want {
			t.Fatalf("appendByte(%d) = %q, want %q", v, got, want)
		}
	}
}

// TestAppendAddr checks the cached address formatter against AppendTo
// on runs of the same address, changes, and addresses that share a
// prefix, a length or nothing, the zero Addr and IPv6 among them.
func TestAppendAddr(t *testing.T) {
	addrs := []netip.Addr{
		netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.1"),
		netip.MustParseAddr("10.0.0.12"), netip.MustParseAddr("10.0.0.1"),
		{}, {}, netip.MustParseAddr("192.168.100.254"), netip.MustParseAddr("2001:db8::1"),
		netip.MustParseAddr("::ffff:10.0.0.1"), netip.MustParseAddr("10.0.0.1"), {},
	}
	var sc scratch
	for i, a := range addrs {
		got := string(sc.appendAddr([]byte("x"), a))
		if want := string(a.AppendTo([]byte("x"))); got != want {
			t.Fatalf("address %d: appendAddr(%v) = %q, want %q", i, a, got, want)
		}
	}
}
