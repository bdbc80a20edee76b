package fireline_test

import (
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
)

// TestLinkTokensHaveOneSpelling: a link token verifies as signed, and no
// other spelling of it does: not a changed character, and not a last
// character that differs only in the bits base64 leaves unused (a lenient
// decoder would take a quarter of them for the same token).
func TestLinkTokensHaveOneSpelling(t *testing.T) {
	s := fireline.LinkSigner{Key: []byte("0123456789abcdef0123456789abcdef")}
	now := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range 50 {
		token := s.Sign(fireline.LinkFeed, "schedule-"+strings.Repeat("x", i), now.Add(time.Hour))
		if subject, _, err := s.Verify(fireline.LinkFeed, token, now); err != nil || subject != "schedule-"+strings.Repeat("x", i) {
			t.Fatalf("token %q: %q %v", token, subject, err)
		}
		last := token[len(token)-1]
		for _, c := range []byte(alphabet) {
			if c == last {
				continue
			}
			if _, _, err := s.Verify(fireline.LinkFeed, token[:len(token)-1]+string(c), now); err == nil {
				t.Fatalf("token %q also verifies ending in %q", token, c)
			}
		}
	}
}
