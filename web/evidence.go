package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/fireline-dev/fireline"
)

// Evidence of security incidents (fireline.EvidenceService): uploaded as
// multipart/form-data (a "file" part and an optional "note"), by the API,
// the CLI and the incident page alike, up to the server's limit (413
// beyond it); downloaded as an attachment that no browser renders. Only
// the incident's members and admins get either; everyone else gets 404.

// EvidenceList is the body of GET /api/v1/incidents/{id}/evidence.
type EvidenceList struct {
	Incident string              `json:"incident"`
	Evidence []fireline.Evidence `json:"evidence"`
}

type evidenceListOutput struct {
	Body *EvidenceList
}

func (h *handler) listEvidence(ctx context.Context, in *incidentPath) (*evidenceListOutput, error) {
	if h.cfg.Evidence == nil {
		return nil, h.problem(ctx, errNoEvidence)
	}
	list, err := h.cfg.Evidence.ListEvidence(ctx, in.ID)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	return &evidenceListOutput{Body: &EvidenceList{Incident: in.ID, Evidence: list}}, nil
}

var errNoEvidence = fireline.Errorf(fireline.EUnavailable, "this server keeps no evidence")

// tooLarge is an upload past the server's evidence limit: 413.
type tooLarge struct{ limit int64 }

func (e tooLarge) Error() string {
	return fmt.Sprintf("the file is larger than this server's evidence limit of %d bytes (fireline serve --evidence-max-bytes)", e.limit)
}

// maxEvidence is the server's evidence limit.
func (h *handler) maxEvidence() int64 {
	if h.cfg.MaxEvidenceBytes > 0 {
		return h.cfg.MaxEvidenceBytes
	}
	return fireline.DefaultMaxEvidenceBytes
}

// readUpload reads an evidence upload: the file's name, note and content.
// tooLarge past the limit; EInvalid for anything but a multipart form
// with a file part.
func (h *handler) readUpload(w http.ResponseWriter, r *http.Request) (fireline.EvidenceInput, []byte, error) {
	limit := h.maxEvidence()
	r.Body = http.MaxBytesReader(w, r.Body, limit+fireline.MaxText+64<<10) // the form's other parts and headers
	mr, err := r.MultipartReader()
	if err != nil {
		return fireline.EvidenceInput{}, nil, fireline.Errorf(fireline.EInvalid, "want a multipart/form-data upload with a file part: %v", err)
	}
	var in fireline.EvidenceInput
	var content []byte
	seen := false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return in, nil, uploadError(err, limit)
		}
		switch part.FormName() {
		case "file":
			seen, in.Name = true, part.FileName()
			content, err = io.ReadAll(io.LimitReader(part, limit+1))
			if err == nil && int64(len(content)) > limit {
				err = tooLarge{limit}
			}
		case "note":
			var b []byte
			b, err = io.ReadAll(io.LimitReader(part, fireline.MaxText+1))
			in.Note = string(b)
		}
		if err != nil {
			return in, nil, uploadError(err, limit)
		}
	}
	if !seen {
		return in, nil, &fireline.Error{Code: fireline.EInvalid, Message: "invalid evidence: file is required",
			Fields: []fireline.FieldError{{Field: "file", Message: "is required: the part holding the file"}}}
	}
	return in, content, nil
}

func uploadError(err error, limit int64) error {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return tooLarge{limit}
	}
	if errors.As(err, new(tooLarge)) {
		return err
	}
	return fireline.Errorf(fireline.EInvalid, "cannot read the upload: %v", err)
}

// addEvidence is POST /api/v1/incidents/{id}/evidence.
func (h *handler) addEvidence(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Evidence == nil {
		h.writeError(w, r, errNoEvidence)
		return
	}
	in, content, err := h.readUpload(w, r)
	if err == nil {
		var ev *fireline.Evidence
		if ev, err = h.cfg.Evidence.AddEvidence(r.Context(), r.PathValue("id"), in, content); err == nil {
			h.evidenceChanged(r.Context(), r.PathValue("id"))
			writeJSON(w, http.StatusCreated, ev)
			return
		}
	}
	h.writeUploadError(w, r, err)
}

func (h *handler) writeUploadError(w http.ResponseWriter, r *http.Request, err error) {
	var big tooLarge
	if errors.As(err, &big) {
		writeProblem(w, &huma.ErrorModel{Status: http.StatusRequestEntityTooLarge, Title: http.StatusText(http.StatusRequestEntityTooLarge), Detail: big.Error()})
		return
	}
	h.writeError(w, r, err)
}

// evidenceChanged tells live pages that the incident changed.
func (h *handler) evidenceChanged(ctx context.Context, id string) {
	if inc, err := h.cfg.Incidents.FindIncident(ctx, id); err == nil {
		h.changed(inc)
	}
}

// getEvidence is GET /api/v1/incidents/{id}/evidence/{ref} and the
// console's download: the file as an attachment, its read recorded.
func (h *handler) getEvidence(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Evidence == nil {
		h.writeError(w, r, errNoEvidence)
		return
	}
	ev, content, err := h.cfg.Evidence.ReadEvidence(r.Context(), r.PathValue("id"), r.PathValue("ref"))
	if err != nil {
		if isConsole(r) {
			h.renderError(w, r, err)
			return
		}
		h.writeError(w, r, err)
		return
	}
	h.evidenceChanged(r.Context(), r.PathValue("id"))
	hd := w.Header()
	hd.Set("Content-Type", "application/octet-stream")
	hd.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": ev.Name}))
	hd.Set("Content-Length", strconv.Itoa(len(content)))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	hd.Set(EvidenceHashHeader, ev.SHA256)
	hd.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(content)
}

// EvidenceHashHeader carries a downloaded file's SHA-256, which the
// client checks the content against.
const EvidenceHashHeader = "X-Fireline-Evidence-Sha256"

// isConsole reports whether r came to a console route (not /api/).
func isConsole(r *http.Request) bool {
	return len(r.URL.Path) < len(apiPrefix) || r.URL.Path[:len(apiPrefix)] != apiPrefix
}

// formAddEvidence is the incident page's upload.
func (h *handler) formAddEvidence(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if h.cfg.Evidence == nil {
		h.renderError(w, r, errNoEvidence)
		return
	}
	in, content, err := h.readUpload(w, r)
	if err == nil {
		if _, err = h.cfg.Evidence.AddEvidence(r.Context(), id, in, content); err == nil {
			h.evidenceChanged(r.Context(), id)
			seeOther(w, r, "/incidents/"+url.PathEscape(id)+"#evidence")
			return
		}
	}
	status, big := statusFor(err), tooLarge{}
	if errors.As(err, &big) {
		status = http.StatusRequestEntityTooLarge
	} else if code := fireline.ErrorCode(err); code != fireline.EInvalid && code != fireline.EConflict {
		h.renderError(w, r, err)
		return
	}
	fe := &formError{Form: "evidence", Message: err.Error(), Values: map[string]string{"note": in.Note}}
	if e, ok := err.(*fireline.Error); ok {
		fe.Message, fe.Fields = e.Message, e.Fields
	}
	h.showIncident(w, r, status, fe)
}

// Recording the regulator notified (regulatory.go).
type (
	regulatorBody struct {
		Regulator string `json:"regulator" example:"ICO" doc:"The regulator told."`
		Reference string `json:"reference,omitempty" doc:"The regulator's case or report reference."`
		Note      string `json:"note,omitempty"`
	}
	regulatorInput struct {
		ID string `path:"id" example:"INC-42"`
		jsonBody[regulatorBody]
	}
)

func (h *handler) notifyRegulator(ctx context.Context, in *regulatorInput) (*incidentOutput, error) {
	b, err := in.decode()
	return h.act(ctx, in.ID, fireline.Action{Kind: fireline.ActNotifyRegulator,
		Regulator: &fireline.RegulatorInput{Regulator: b.Regulator, Reference: b.Reference, Note: b.Note}}, err)
}

func (h *handler) formNotifyRegulator(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	h.formAct(w, r, "regulator", fireline.Action{Kind: fireline.ActNotifyRegulator, Regulator: &fireline.RegulatorInput{
		Regulator: r.PostForm.Get("regulator"), Reference: r.PostForm.Get("reference"), Note: r.PostForm.Get("note")}})
}

// securityAction is the route and body of a security action (Act).
func securityAction(a fireline.Action) (suffix string, body any, ok bool) {
	if a.Kind != fireline.ActNotifyRegulator || a.Regulator == nil {
		return "", nil, false
	}
	return "/regulator", regulatorBody{Regulator: a.Regulator.Regulator, Reference: a.Regulator.Reference, Note: a.Regulator.Note}, true
}

// evidenceUpload documents the upload's form.
type evidenceUpload struct {
	File string `json:"file" format:"binary" doc:"The file, with its name as the part's filename."`
	Note string `json:"note,omitempty" doc:"Where the file comes from and why it matters."`
}

// rawOperation adds an API route served outside huma (a body or an
// answer that is not JSON), documented in the OpenAPI document as huma's
// are: its role, the bearer scheme, the request body given.
func (h *handler) rawOperation(rt *router, role fireline.Role, op huma.Operation, body map[string]*huma.MediaType, f http.HandlerFunc) {
	op.Path = apiPrefix + op.Path
	op.Security = []map[string][]string{{"bearer": {}}}
	op.Extensions = map[string]any{"x-fireline-role": string(role)}
	op.Description = "Needs the " + string(role) + " role."
	if body != nil {
		op.RequestBody = &huma.RequestBody{Required: true, Content: body}
	}
	h.api.OpenAPI().AddOperation(&op)
	rt.page(op.Method+" "+op.Path, role, f)
}

// securityRoutes declares the evidence's and the regulator's routes.
func (h *handler) securityRoutes(rt *router) {
	operation(h, viewer, get("/incidents/{id}/evidence", "list-evidence", "List an incident's evidence (its members and admins only)", "security"), h.listEvidence)
	upload := h.api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[evidenceUpload](), true, "EvidenceUpload")
	h.rawOperation(rt, responder, post("/incidents/{id}/evidence", "add-evidence", "Preserve a file as evidence (multipart/form-data: file, note); 413 past the server's limit", "security", http.StatusCreated),
		map[string]*huma.MediaType{"multipart/form-data": {Schema: upload}}, h.addEvidence)
	h.rawOperation(rt, viewer, get("/incidents/{id}/evidence/{ref}", "get-evidence", "Download a file (by SHA-256, a prefix of 8+ hex digits, or name); the read goes on the timeline", "security"),
		nil, h.getEvidence)
	operation(h, responder, post("/incidents/{id}/regulator", "notify-regulator", "Record the regulator notified (stops the regulatory clock)", "security", 0), h.notifyRegulator)
	rt.console("POST /incidents/{id}/evidence", responder, h.formAddEvidence)
	rt.console("GET /incidents/{id}/evidence/{ref}", viewer, h.getEvidence)
	rt.console("POST /incidents/{id}/regulator", responder, h.formNotifyRegulator)
	h.incidentReportRoutes(rt) // incident_report.go
	h.playbookRoutes(rt)       // playbooks.go
}

// securityPanel is the incident page's evidence and regulatory clock.
type securityPanel struct {
	MayHandle  bool
	Evidence   []fireline.Evidence
	Regulatory *fireline.RegulatoryClock
	Notices    []fireline.RegulatorNotice
	MaxBytes   int64
}

// newSecurityPanel is the panel of a security incident, or of one with
// evidence or a regulatory clock; nil for others. Only members and admins
// see the files.
func (h *handler) newSecurityPanel(r *http.Request, inc *fireline.Incident) *securityPanel {
	s := inc.Security
	if h.cfg.Evidence == nil || (inc.Source != fireline.SourceSecurity && s.IsZero()) {
		return nil
	}
	actor, _ := fireline.ActorFromContext(r.Context())
	p := &securityPanel{MayHandle: inc.MayHandleEvidence(actor), Regulatory: s.Regulatory, Notices: s.Notices, MaxBytes: h.maxEvidence()}
	if p.MayHandle {
		p.Evidence = s.Evidence
	}
	return p
}

// describeSecurity words evidence and regulatory events for the timeline.
func describeSecurity(v *eventView, data any, p *fireline.Policy) bool {
	switch d := data.(type) {
	case *fireline.EvidenceAddedData:
		v.Kind = "evidence"
		v.What = fmt.Sprintf("preserved evidence %s (%d bytes, SHA-256 %s)", d.Name, d.Size, d.SHA256)
		v.Detail = d.Note
	case *fireline.EvidenceReadData:
		v.Kind = "evidence"
		v.What = "read evidence " + d.Name + " (SHA-256 " + d.SHA256[:12] + "…)"
	case *fireline.RegulatoryStartedData:
		v.Kind, v.Lead = "clock", "The regulatory clock"
		v.What = "started: notify the regulator within " + d.Deadline + " of detection, by " + d.Due.UTC().Format(time.RFC3339)
		v.Detail = strings.TrimSpace(d.Name + " (matched " + d.Matched + ")")
	case *fireline.RegulatorNotifiedData:
		v.Kind, v.Lead = "regulator", personName(p, d.By)
		v.What = "recorded the regulator notified: " + d.Regulator
		if d.Reference != "" {
			v.What += " (ref. " + d.Reference + ")"
		}
		v.Detail = d.Note
	default:
		return false
	}
	return true
}
