package ingest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// MaxSkew is how far a signed timestamp may be from now.
const MaxSkew = 5 * time.Minute

// Signed is a signature that verified: the MAC its header carried and, for
// a timestamped signature, the instant it stops verifying (MaxSkew after
// its timestamp); zero for a signature without one, which never expires.
type Signed struct {
	MAC        []byte
	ValidUntil time.Time
}

// CheckSignature verifies the HMAC signature any integration may require
// (Grafana's scheme, which generic senders copy): hex HMAC-SHA256 with
// secret over the body, or over "<timestamp>:<body>" when timestamp is
// given (the value of the configured timestamp header, unix seconds,
// within MaxSkew of now). It compares in constant time and returns what
// verified, for the replay check.
func CheckSignature(secret string, body []byte, signature, timestamp string, now time.Time) (Signed, bool) {
	got, err := hex.DecodeString(strings.TrimSpace(signature))
	if err != nil || secret == "" {
		return Signed{}, false
	}
	var until time.Time
	mac := hmac.New(sha256.New, []byte(secret))
	if timestamp != "" {
		sec, err := strconv.ParseInt(strings.TrimSpace(timestamp), 10, 64)
		if err != nil {
			return Signed{}, false
		}
		at := time.Unix(sec, 0)
		if d := now.Sub(at); d > MaxSkew || d < -MaxSkew {
			return Signed{}, false
		}
		until = at.Add(MaxSkew)
		mac.Write([]byte(strings.TrimSpace(timestamp) + ":"))
	}
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return Signed{}, false
	}
	return Signed{MAC: got, ValidUntil: until}, true
}

// Sign returns the signature CheckSignature accepts, as a sender computes
// it.
func Sign(secret string, body []byte, timestamp string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	if timestamp != "" {
		mac.Write([]byte(timestamp + ":"))
	}
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}
