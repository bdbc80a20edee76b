package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"github.com/fireline-dev/fireline"
)

var _ fireline.EvidenceService = (*Client)(nil)

// AddEvidence implements fireline.EvidenceService: a multipart upload.
func (c *Client) AddEvidence(ctx context.Context, id string, in fireline.EvidenceInput, content []byte) (*fireline.Evidence, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if in.Note != "" {
		mw.WriteField("note", in.Note)
	}
	fw, err := mw.CreateFormFile("file", fireline.EvidenceName(in.Name))
	if err != nil {
		return nil, err
	}
	fw.Write(content)
	mw.Close()
	resp, err := c.send(ctx, http.MethodPost, incidentPathOf(id, "/evidence"), mw.FormDataContentType(), &body)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var ev fireline.Evidence
	if err := json.NewDecoder(resp.Body).Decode(&ev); err != nil {
		return nil, fireline.Errorf(fireline.EInternal, "cannot read the server's answer: %v", err)
	}
	return &ev, nil
}

// ListEvidence implements fireline.EvidenceService.
func (c *Client) ListEvidence(ctx context.Context, id string) ([]fireline.Evidence, error) {
	l, err := call[EvidenceList](ctx, c, http.MethodGet, incidentPathOf(id, "/evidence"), nil, nil)
	if err != nil {
		return nil, err
	}
	return l.Evidence, nil
}

// ReadEvidence implements fireline.EvidenceService. It checks the content
// against the SHA-256 the server sends with it.
func (c *Client) ReadEvidence(ctx context.Context, id, ref string) (*fireline.Evidence, []byte, error) {
	resp, err := c.send(ctx, http.MethodGet, incidentPathOf(id, "/evidence/"+url.PathEscape(ref)), "", nil)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	content, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, fireline.Errorf(fireline.EUnavailable, "cannot read the file: %v", err)
	}
	ev := &fireline.Evidence{SHA256: resp.Header.Get(EvidenceHashHeader), Size: int64(len(content))}
	if _, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); err == nil {
		ev.Name = params["filename"]
	}
	if sum := sha256.Sum256(content); hex.EncodeToString(sum[:]) != ev.SHA256 {
		return nil, nil, fireline.Errorf(fireline.EInternal, "the file received does not match its SHA-256 %s", ev.SHA256)
	}
	return ev, content, nil
}

// send makes one request with a body that is not JSON and returns a
// successful response, whose body the caller closes.
func (c *Client) send(ctx context.Context, method, path, contentType string, body io.Reader) (*http.Response, error) {
	base := strings.TrimRight(c.BaseURL, "/")
	req, err := http.NewRequestWithContext(ctx, method, base+apiPrefix+path, body)
	if err != nil {
		return nil, fireline.Errorf(fireline.EInvalid, "bad server URL %q: %v", base, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fireline.Errorf(fireline.EUnavailable, "cannot reach server at %s: %v", base, err)
	}
	if resp.StatusCode >= 400 {
		defer resp.Body.Close()
		return nil, responseError(resp)
	}
	return resp, nil
}
