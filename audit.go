package fireline

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// The audit log (docs/audit.md, docs/adr/0058): one append-only,
// hash-chained log of every authentication and administrative act,
// written by the store in the transaction of the act it records.

// AuditAction names an audited act: its group (the subject's kind), a
// dot, and what happened.
type AuditAction string

// Audited acts.
const (
	AuditLoginSucceeded    AuditAction = "login.succeeded"
	AuditLoginFailed       AuditAction = "login.failed"
	AuditLoginLinkRedeemed AuditAction = "login.link_redeemed"
	AuditLogout            AuditAction = "login.logout"
	AuditPasswordChanged   AuditAction = "user.password_changed"
	AuditUserCreated       AuditAction = "user.created"
	AuditUserRoleChanged   AuditAction = "user.role_changed"
	AuditUserPersonChanged AuditAction = "user.person_changed"
	AuditUserDisabled      AuditAction = "user.disabled"
	AuditLoginLinkCreated  AuditAction = "user.login_link_created"
	AuditTokenCreated      AuditAction = "token.created"
	AuditTokenRevoked      AuditAction = "token.revoked"
	AuditIntegrationAdded  AuditAction = "integration.created"
	AuditIntegrationKey    AuditAction = "integration.key_rotated"
	AuditIntegrationGone   AuditAction = "integration.deleted"
	AuditPolicyChanged     AuditAction = "policy.changed"
	AuditMaintenanceAdded  AuditAction = "maintenance.created"
	AuditMaintenanceGone   AuditAction = "maintenance.deleted"
	AuditOverrideAdded     AuditAction = "override.created"
	AuditOverrideGone      AuditAction = "override.deleted"
	AuditFeedURLIssued     AuditAction = "feed.url_issued"
)

// AuditActions lists every audited act.
var AuditActions = []AuditAction{
	AuditLoginSucceeded, AuditLoginFailed, AuditLoginLinkRedeemed, AuditLogout,
	AuditPasswordChanged, AuditUserCreated, AuditUserRoleChanged, AuditUserPersonChanged,
	AuditUserDisabled, AuditLoginLinkCreated, AuditTokenCreated, AuditTokenRevoked,
	AuditIntegrationAdded, AuditIntegrationKey, AuditIntegrationGone, AuditPolicyChanged,
	AuditMaintenanceAdded, AuditMaintenanceGone, AuditOverrideAdded, AuditOverrideGone,
	AuditFeedURLIssued,
}

// AuditRecord is an act to audit before it is sealed: what was done, to
// what (a subject such as "user:kai@example.com"), and its details.
// Details never hold a password, a token or a key.
type AuditRecord struct {
	Action  AuditAction
	Subject string
	Data    any
}

// Details of some audited acts.
type (
	// AuditChange is a field's value before and after: a role, a
	// person, a policy's digest.
	AuditChange struct {
		From string `json:"from"`
		To   string `json:"to"`
	}
	// AuditLoginFailure is why a sign-in failed; the email typed is its
	// subject, the password is nowhere. LimitReached marks the last
	// failure recorded in its hour (LoginFailureRecord).
	AuditLoginFailure struct {
		Reason       string `json:"reason"`
		LimitReached bool   `json:"limit_reached,omitempty"`
	}
)

// MaxLoginFailuresAudited is how many failed sign-ins the audit log
// records in one clock hour (UTC). Failures are made by whoever can reach
// the login form; the login throttle slows each account, address and
// device, but many addresses could still write without end. Beyond the
// limit, failures are only logged (docs/adr/0058).
const MaxLoginFailuresAudited = 1000

// LoginFailureRecord decides whether a failed sign-in is recorded, when
// recorded failures were already recorded in its hour: the one that
// reaches MaxLoginFailuresAudited says so, those after it are not.
func LoginFailureRecord(subject string, f AuditLoginFailure, recorded int) (AuditRecord, bool) {
	if recorded >= MaxLoginFailuresAudited {
		return AuditRecord{}, false
	}
	f.Reason = auditText(f.Reason)
	f.LimitReached = recorded == MaxLoginFailuresAudited-1
	return AuditRecord{Action: AuditLoginFailed, Subject: subject, Data: f}, true
}

// AuditOrigin is who made an act and from where: the actor's name as on
// timelines, how they were authenticated ("token:ID", "user:ID", or
// empty for the server itself) and the peer address of their request.
type AuditOrigin struct {
	Actor   string
	Via     string
	Address string
}

// AuditOriginOf is the origin of an act by actor from address.
func AuditOriginOf(a Actor, address string) AuditOrigin {
	o := AuditOrigin{Actor: a.Name(), Address: address}
	switch {
	case a.UserID != "":
		o.Via = "user:" + a.UserID
	case a.TokenID != "":
		o.Via = "token:" + a.TokenID
	}
	return o
}

// AuditEntry is one sealed entry of the audit log. Entries are never
// updated or deleted; each stores the hash of the one before it
// (chainHash, as the incident timeline's events do).
type AuditEntry struct {
	Seq      int64           `json:"seq"`
	At       time.Time       `json:"at"`
	Actor    string          `json:"actor"`
	Via      string          `json:"via,omitempty"`
	Address  string          `json:"address,omitempty"`
	Action   AuditAction     `json:"action"`
	Subject  string          `json:"subject"`
	Data     json.RawMessage `json:"data"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
}

// ComputeHash returns the hash of the entry's content and PrevHash.
func (e *AuditEntry) ComputeHash() string {
	return chainHash(e.PrevHash, []string{"audit", strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(time.RFC3339Nano),
		e.Actor, e.Via, e.Address, string(e.Action), e.Subject}, e.Data)
}

// AuditHead is the newest entry of the audit log: its number and hash
// (zero for an empty log).
type AuditHead struct {
	Seq  int64
	Hash string
}

// Append seals records made by origin at now as the next entries after
// the head, and moves the head past them. Text that came from outside
// (an email typed at the login form) is cleaned of control characters
// and capped, so that no entry forges a line of a listing.
func (h *AuditHead) Append(o AuditOrigin, now time.Time, records ...AuditRecord) ([]*AuditEntry, error) {
	entries := make([]*AuditEntry, 0, len(records))
	for _, r := range records {
		data, err := json.Marshal(r.Data)
		if err != nil {
			return nil, err
		}
		e := &AuditEntry{Seq: h.Seq + 1, At: now.UTC(), Actor: auditText(o.Actor), Via: auditText(o.Via),
			Address: auditText(o.Address), Action: r.Action, Subject: auditText(r.Subject), Data: data, PrevHash: h.Hash}
		e.Hash = e.ComputeHash()
		entries = append(entries, e)
		h.Seq, h.Hash = e.Seq, e.Hash
	}
	return entries, nil
}

// maxAuditText caps each text field of an entry.
const maxAuditText = 256

// auditText returns s with control characters replaced by U+FFFD and
// cut to maxAuditText characters.
func auditText(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return unicode.ReplacementChar
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	if r := []rune(s); len(r) > maxAuditText {
		s = string(r[:maxAuditText])
	}
	return s
}

// CleanAuditText is auditText for details: the store passes typed text
// (a failed login's email) through it before it becomes an entry's data.
func CleanAuditText(s string) string { return auditText(s) }

// AuditFilter selects entries of the audit log, newest first.
type AuditFilter struct {
	// Actor keeps the entries of this actor (their name, as listed).
	Actor string `json:"actor,omitempty"`
	// Action keeps one act ("user.role_changed") or a group ("user").
	Action string `json:"action,omitempty"`
	// Since and Until keep the entries at or after Since and before
	// Until.
	Since *time.Time `json:"since,omitempty"`
	Until *time.Time `json:"until,omitempty"`
	// Before keeps the entries numbered below it: the Older of the page
	// before.
	Before int64 `json:"before,omitempty"`
	// Limit caps the page (default DefaultAuditPage, at most MaxAuditPage).
	Limit int `json:"limit,omitempty"`
}

// Audit page sizes.
const (
	DefaultAuditPage = 100
	MaxAuditPage     = 1000
)

// Validate returns the filter with its default limit, or an EInvalid
// error naming every bad field.
func (f AuditFilter) Validate() (AuditFilter, error) {
	var fe []FieldError
	fe = checkText(fe, "actor", f.Actor, 0, maxAuditText)
	if f.Action != "" && !knownAuditAction(f.Action) {
		fe = append(fe, FieldError{"action", "must be an audited act such as user.role_changed, or a group such as user; see docs/audit.md"})
	}
	switch {
	case f.Limit == 0:
		f.Limit = DefaultAuditPage
	case f.Limit < 0 || f.Limit > MaxAuditPage:
		fe = append(fe, FieldError{"limit", "must be between 1 and " + strconv.Itoa(MaxAuditPage)})
	}
	if f.Since != nil && f.Until != nil && !f.Since.Before(*f.Until) {
		fe = append(fe, FieldError{"until", "must be after since"})
	}
	if f.Before < 0 {
		fe = append(fe, FieldError{"before", "must be an entry's number"})
	}
	if len(fe) > 0 {
		return f, &Error{Code: EInvalid, Message: "invalid audit filter", Fields: fe}
	}
	return f, nil
}

// knownAuditAction reports whether s is an audited act or a group of
// them.
func knownAuditAction(s string) bool {
	for _, a := range AuditActions {
		group, _, _ := strings.Cut(string(a), ".")
		if s == string(a) || s == group {
			return true
		}
	}
	return false
}

// AuditPage is a page of the audit log, newest first. Older is the
// Before of the next page, 0 when this one reaches the first entry.
type AuditPage struct {
	Entries []*AuditEntry `json:"entries"`
	Older   int64         `json:"older,omitempty"`
}

// AuditExportFormat names the audit export's format and version.
const AuditExportFormat = "fireline.audit-export/v1"

// AuditExport is the whole audit log, oldest first, as written by
// `fireline audit export`, with the head it ended at when read.
type AuditExport struct {
	Format     string        `json:"format"`
	ExportedAt time.Time     `json:"exported_at"`
	HeadSeq    int64         `json:"head_seq"`
	HeadHash   string        `json:"head_hash"`
	Entries    []*AuditEntry `json:"entries"`
}

// VerifyAuditExport checks an export for edits: the entries must form an
// unbroken chain from the first to the head the export records.
func VerifyAuditExport(x *AuditExport) error {
	if x.Format != AuditExportFormat {
		return fmt.Errorf("unknown export format %q, want %q", x.Format, AuditExportFormat)
	}
	err := verifyLinks("entry", len(x.Entries), func(i int) chainLink {
		e := x.Entries[i]
		return chainLink{Seq: e.Seq, PrevHash: e.PrevHash, Hash: e.Hash, Computed: e.ComputeHash()}
	})
	if err != nil {
		return err
	}
	head := AuditHead{}
	if n := len(x.Entries); n > 0 {
		head = AuditHead{Seq: x.Entries[n-1].Seq, Hash: x.Entries[n-1].Hash}
	}
	if head.Seq != x.HeadSeq || head.Hash != x.HeadHash {
		return fmt.Errorf("the export records a head of %d entries ending in %.12s, its entries end at %d in %.12s (entries were removed)",
			x.HeadSeq, x.HeadHash, head.Seq, head.Hash)
	}
	return nil
}

// AuditService reads the audit log. Only admins may (EForbidden for
// others, EUnauthorized without an actor).
type AuditService interface {
	// ListAudit returns a page of the entries the filter selects, newest
	// first. EInvalid for a bad filter.
	ListAudit(ctx context.Context, f AuditFilter) (*AuditPage, error)
	// ExportAudit returns the whole log, oldest first, read in one
	// snapshot.
	ExportAudit(ctx context.Context) (*AuditExport, error)
}

type addressKey struct{}

// NewContextWithAddress returns ctx carrying the peer address of the
// request it serves, for the audit log.
func NewContextWithAddress(ctx context.Context, address string) context.Context {
	return context.WithValue(ctx, addressKey{}, address)
}

// AddressFromContext returns the peer address in ctx, or "".
func AddressFromContext(ctx context.Context) string {
	a, _ := ctx.Value(addressKey{}).(string)
	return a
}

// AuditVerification is the outcome of checking the audit log as stored
// (VerifyAudit).
type AuditVerification struct {
	OK        bool      `json:"ok"`
	Problem   string    `json:"problem,omitempty"`
	Entries   int       `json:"entries"`
	HeadHash  string    `json:"head_hash,omitempty"`
	CheckedAt time.Time `json:"checked_at"`
}

// VerifyAudit checks the log read whole (VerifyAuditExport) at now.
func VerifyAudit(x *AuditExport, now time.Time) *AuditVerification {
	v := &AuditVerification{OK: true, Entries: len(x.Entries), HeadHash: x.HeadHash, CheckedAt: now}
	if err := VerifyAuditExport(x); err != nil {
		v.OK, v.Problem = false, err.Error()
	}
	return v
}
