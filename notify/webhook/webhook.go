// Package webhook delivers pages as signed webhooks per Standard Webhooks
// v1: a JSON body {"type", "timestamp", "data"} with the webhook-id (the
// message's stable id), webhook-timestamp and webhook-signature
// ("v1,<base64 HMAC-SHA256 of id.timestamp.body>") headers.
//
// It imports notify and the fireline domain; requests go through the
// notify guard's client.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/notify"
)

// Sender posts signed webhooks.
type Sender struct {
	// Client makes the requests; use notify.Guard.HTTPClient.
	Client *http.Client
	// Secret returns the signing secret (whsec_...) for a method's
	// SecretEnv ("" for the server's default).
	Secret func(env string) (string, error)
	Now    func() time.Time
	// Guard is the guard Client dials through, for readiness checks;
	// optional.
	Guard *notify.Guard
}

var (
	_ notify.Channel       = (*Sender)(nil)
	_ notify.SecretChecker = (*Sender)(nil)
	_ notify.Guarded       = (*Sender)(nil)
)

// CheckSecret implements notify.SecretChecker: the secret must be set and
// be a whsec_ key.
func (s *Sender) CheckSecret(env string) error {
	secret, err := s.Secret(env)
	if err != nil {
		return err
	}
	if _, err := DecodeSecret(secret); err != nil {
		if env == "" {
			env = fireline.DefaultWebhookSecretEnv
		}
		return fmt.Errorf("%s is not usable: %w", env, err)
	}
	return nil
}

// OutboundGuard implements notify.Guarded.
func (s *Sender) OutboundGuard() *notify.Guard { return s.Guard }

// Send implements notify.Channel.
func (s *Sender) Send(ctx context.Context, m *notify.Message, method fireline.ContactMethod) error {
	secret, err := s.Secret(method.SecretEnv)
	if err != nil {
		return &notify.Error{Err: err}
	}
	key, err := DecodeSecret(secret)
	if err != nil {
		return &notify.Error{Err: err}
	}
	body, err := json.Marshal(struct {
		Type      string          `json:"type"`
		Timestamp time.Time       `json:"timestamp"`
		Data      *notify.Message `json:"data"`
	}{m.Type, m.At.UTC(), m})
	if err != nil {
		return &notify.Error{Err: err}
	}
	now := s.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, method.URL, bytes.NewReader(body))
	if err != nil {
		return &notify.Error{Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Fireline-Webhooks/1")
	req.Header.Set("webhook-id", m.ID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", Sign(key, m.ID, now, body))
	resp, err := s.Client.Do(req)
	if err != nil {
		return &notify.Error{Err: fmt.Errorf("post webhook: %w", err), Retryable: true}
	}
	resp.Body.Close() // the answer's body is never read or echoed
	return notify.HTTPError(resp, now)
}

// Sign returns the webhook-signature header value for a message.
func Sign(key []byte, id string, at time.Time, body []byte) string {
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%d.", id, at.Unix())
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// DecodeSecret reads a whsec_ secret into its key bytes (24 to 64).
func DecodeSecret(s string) ([]byte, error) {
	b64, ok := strings.CutPrefix(s, "whsec_")
	if !ok {
		return nil, errors.New("webhook secret must start with whsec_")
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(key) < 24 || len(key) > 64 {
		return nil, errors.New("webhook secret must be whsec_ and the base64 of 24 to 64 random bytes")
	}
	return key, nil
}
