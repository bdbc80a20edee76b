package fireline

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// LinkSigner makes and checks the signed tokens of links that work without
// logging in: acknowledge links in pages and calendar feed URLs. A token
// is the base64url of "purpose|subject|expiry" and an HMAC-SHA256 of it
// under the server's key, so nothing per link is stored.
type LinkSigner struct {
	Key []byte
}

// Link purposes.
const (
	LinkAcknowledge = "ack"
	LinkFeed        = "feed"
)

// Sign returns a token for subject, valid for purpose until expires (a
// zero expires never ends).
func (s LinkSigner) Sign(purpose, subject string, expires time.Time) string {
	exp := int64(0)
	if !expires.IsZero() {
		exp = expires.Unix()
	}
	payload := purpose + "|" + subject + "|" + strconv.FormatInt(exp, 10)
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(s.mac(payload))
}

// Verify checks a token for purpose at now and returns its subject and
// expiry. ENotFound for any bad, forged or expired token, so that a probe
// learns nothing.
func (s LinkSigner) Verify(purpose, token string, now time.Time) (string, time.Time, error) {
	bad := Errorf(ENotFound, "this link is not valid or has expired")
	p64, m64, ok := strings.Cut(token, ".")
	payload, err1 := strictBase64URL.DecodeString(p64)
	mac, err2 := strictBase64URL.DecodeString(m64)
	if !ok || err1 != nil || err2 != nil || len(s.Key) == 0 || !hmac.Equal(mac, s.mac(string(payload))) {
		return "", time.Time{}, bad
	}
	parts := strings.Split(string(payload), "|")
	if len(parts) != 3 || parts[0] != purpose {
		return "", time.Time{}, bad
	}
	exp, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return "", time.Time{}, bad
	}
	var expires time.Time
	if exp != 0 {
		expires = time.Unix(exp, 0).UTC()
		if !now.Before(expires) {
			return "", time.Time{}, bad
		}
	}
	return parts[1], expires, nil
}

// strictBase64URL refuses the encodings that differ from Sign's only in
// the unused bits of their last character, so that each token has exactly
// one spelling: otherwise a quarter of the variants of a token's last
// character would be the same token.
var strictBase64URL = base64.RawURLEncoding.Strict()

func (s LinkSigner) mac(payload string) []byte {
	m := hmac.New(sha256.New, s.Key)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// AckSubject is the subject of an acknowledge link: who acknowledges what.
func AckSubject(incident, person string) string { return incident + "/" + person }

// ParseAckSubject splits an acknowledge link's subject.
func ParseAckSubject(s string) (incident, person string, ok bool) {
	return strings.Cut(s, "/")
}
