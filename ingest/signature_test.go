package ingest

import (
	"strconv"
	"testing"
	"time"
)

func TestCheckSignature(t *testing.T) {
	body := []byte(`{"version":"1","status":"firing","alerts":[]}`)
	now := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	ts := strconv.FormatInt(now.Unix(), 10)
	tests := []struct {
		name    string
		sig, ts string
		body    []byte
		want    bool
		until   time.Time
	}{
		{"body only", Sign("s3cret", body, ""), "", body, true, time.Time{}},
		{"with timestamp", Sign("s3cret", body, ts), ts, body, true, now.Add(MaxSkew)},
		{"wrong secret", Sign("other", body, ""), "", body, false, time.Time{}},
		{"flipped byte", Sign("s3cret", body, ""), "", append([]byte{'x'}, body[1:]...), false, time.Time{}},
		{"stale timestamp", Sign("s3cret", body, "1000"), "1000", body, false, time.Time{}},
		{"not hex", "zz", "", body, false, time.Time{}},
		{"empty", "", "", body, false, time.Time{}},
	}
	for _, tt := range tests {
		signed, got := CheckSignature("s3cret", tt.body, tt.sig, tt.ts, now)
		if got != tt.want || !signed.ValidUntil.Equal(tt.until) {
			t.Errorf("%s: %v until %v, want %v until %v", tt.name, got, signed.ValidUntil, tt.want, tt.until)
		}
	}
}

// FuzzCheckSignature: a signature the secret did not make never verifies.
func FuzzCheckSignature(f *testing.F) {
	f.Add([]byte(`{}`), "00")
	f.Add([]byte(`{"a":1}`), "abcdef")
	f.Fuzz(func(t *testing.T, body []byte, sig string) {
		if _, ok := CheckSignature("secret", body, sig, "", time.Now()); ok && sig != Sign("secret", body, "") {
			t.Fatalf("a foreign signature verified")
		}
	})
}
