package sqlstore

import (
	"context"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fireline-dev/fireline"
)

// FindIncidents lists visible incidents, newest first, a page at a time.
// EInvalid for a bad filter, limit or cursor; EUnauthorized without an
// actor.
func (s *IncidentService) FindIncidents(ctx context.Context, f fireline.IncidentFilter) (*fireline.IncidentPage, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	q, err := buildListQuery(actor, f, s.db.dialect)
	if err != nil {
		return nil, err
	}
	var page *fireline.IncidentPage
	err = s.db.readTx(ctx, "find incidents", func(tx *Tx) error {
		page, err = listIncidents(ctx, tx, q)
		return err
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

// listQuery is a built incident list query; it selects one row more than
// the page holds, to tell whether another page follows.
type listQuery struct {
	sql   string
	args  []any
	limit int
}

func buildListQuery(actor fireline.Actor, f fireline.IncidentFilter, dialect string) (listQuery, error) {
	limit, before, err := checkPaging(f)
	if err != nil {
		return listQuery{}, err
	}
	from, order := listSource(f, dialect)
	where, args := []string{visibleTo}, visibleArgs(actor)
	add := func(cond string, a ...any) { where, args = append(where, cond), append(args, a...) }
	switch {
	case from == textSource:
		add("incidents_text MATCH ?", textPhrase(f.Text))
	case f.Text != "":
		add(textLike(dialect, f.Text))
	}
	if before > 0 {
		add(order+" < ?", before)
	}
	if err := addSetFilters(f, add); err != nil {
		return listQuery{}, err
	}
	if f.Service != "" {
		add("EXISTS (SELECT 1 FROM incident_services s WHERE s.incident_number = i.number AND s.service_id = ?)", f.Service)
	}
	if f.Since != nil {
		add("i.declared_at >= ?", micros(*f.Since))
	}
	if f.Until != nil {
		add("i.declared_at < ?", micros(*f.Until))
	}
	sql := selectIncidentColumns + " FROM " + from + " WHERE " + strings.Join(where, " AND ") + " ORDER BY " + order + " DESC LIMIT ?"
	return listQuery{sql: sql, args: append(args, limit+1), limit: limit}, nil
}

// textSource is where SQLite's search reads from: the trigram index
// yields the matching incidents newest first (docs/adr/0054); it drives,
// and the other filters check each.
const textSource = "incidents_text CROSS JOIN incidents i ON i.number = incidents_text.rowid"

// listSource is what a list's rows come from, and the column they are
// listed by, newest first, which the cursor continues below.
func listSource(f fireline.IncidentFilter, dialect string) (from, order string) {
	switch {
	case dialect != DialectSQLite:
	case f.Text != "" && indexedText(f.Text):
		return textSource, "incidents_text.rowid"
	case sqliteListIndex(f) != "":
		return "incidents i INDEXED BY " + sqliteListIndex(f), "i.number"
	}
	return "incidents i", "i.number"
}

// sqliteListIndex names the partial index that holds the incidents a
// filter selects newest first (migration 00011), if one does: SQLite is
// told to walk it (INDEXED BY) and stop at the page. Its planner keeps no
// histograms and, statistics or not, would rather read every open (or
// closed) incident through the status index and sort them, which costs
// as many as there are: 37 ms for the ten newest closed incidents among
// 50,000 open ones (docs/adr/0054).
func sqliteListIndex(f fireline.IncidentFilter) string {
	open := (f.Open != nil && *f.Open) || sameStatuses(f.Status, openStatuses)
	closed := (f.Open != nil && !*f.Open) || sameStatuses(f.Status, closedStatuses)
	switch {
	case f.Unanswered:
		return "incidents_unanswered"
	case open && closed:
		return ""
	case open && len(f.Severity) == 1:
		return "incidents_open_severity"
	case open:
		return "incidents_open"
	case closed:
		return "incidents_closed"
	}
	return ""
}

// indexedText reports whether SQLite's trigram index can find text: it
// holds every run of three characters, so shorter text is found by
// reading every incident (textLike).
func indexedText(text string) bool { return utf8.RuneCountInString(text) >= 3 }

// textPhrase is text as an FTS5 phrase: in double quotes, which double
// inside it. The trigram tokenizer makes a phrase match where the text
// occurs as a substring, any case (Unicode case folding).
func textPhrase(text string) string {
	return `"` + strings.ReplaceAll(text, `"`, `""`) + `"`
}

// textLike is the search as a LIKE on the lowered title and description:
// on PostgreSQL, whose trigram indexes on the two lowered columns serve
// it (when pg_trgm is installed), and on SQLite for text shorter than a
// trigram.
func textLike(dialect, text string) (string, string, string) {
	// SQLite's LOWER folds ASCII only: "STÖRUNG" would not find
	// "Störung". fireline_lower is Go's (sqlite.go).
	lower := "LOWER"
	if dialect == DialectSQLite {
		lower = sqliteLower
	}
	p := "%" + escapeLike(strings.ToLower(text)) + "%"
	return `(` + lower + `(i.title) LIKE ? ESCAPE '\' OR ` + lower + `(i.description) LIKE ? ESCAPE '\')`, p, p
}

// addSetFilters adds the status, severity, open, stage and unanswered
// filters.
func addSetFilters(f fireline.IncidentFilter, add func(string, ...any)) error {
	var fe []fireline.FieldError
	for _, st := range f.Status {
		if !slices.Contains(fireline.Statuses, st) {
			fe = append(fe, fireline.FieldError{Field: "status", Message: "unknown status " + strconv.Quote(string(st))})
		}
	}
	for _, sev := range f.Severity {
		if !slices.Contains(fireline.Severities, sev) {
			fe = append(fe, fireline.FieldError{Field: "severity", Message: "unknown severity " + strconv.Quote(string(sev))})
		}
	}
	if f.Stage != "" && !slices.Contains(fireline.Stages, f.Stage) {
		fe = append(fe, fireline.FieldError{Field: "stage", Message: "unknown stage " + strconv.Quote(string(f.Stage))})
	}
	if len(fe) > 0 {
		return &fireline.Error{Code: fireline.EInvalid, Message: "invalid filter", Fields: fe}
	}
	if f.Stage != "" {
		add("i.stage = ?", string(f.Stage))
	}
	if f.Unanswered {
		add(unansweredSQL)
	}
	switch {
	case sameStatuses(f.Status, openStatuses):
		add(openSQL)
	case sameStatuses(f.Status, closedStatuses):
		add(closedSQL)
	case len(f.Status) > 0:
		add("i.status IN ("+placeholders(len(f.Status))+")", anys(f.Status)...)
	}
	if len(f.Severity) > 0 {
		add("i.severity IN ("+placeholders(len(f.Severity))+")", anys(f.Severity)...)
	}
	switch {
	case f.Open == nil:
	case *f.Open:
		add(openSQL)
	default:
		add(closedSQL)
	}
	return nil
}

// openSQL and closedSQL select the open and the other incidents, and
// unansweredSQL the unanswered ones, in the words of the partial indexes
// that hold them (migration 00011): a planner uses a partial index only
// for a query whose WHERE says what the index's does, in literals.
const (
	openSQL       = "i.status IN ('triggered', 'acknowledged')"
	closedSQL     = "i.status IN ('resolved', 'closed')"
	unansweredSQL = "i.status = 'triggered' AND i.unanswered_at IS NOT NULL"
)

var (
	openStatuses   = []fireline.Status{fireline.StatusTriggered, fireline.StatusAcknowledged}
	closedStatuses = []fireline.Status{fireline.StatusResolved, fireline.StatusClosed}
)

// sameStatuses reports whether a filter's statuses are exactly set.
func sameStatuses(statuses, set []fireline.Status) bool {
	for _, s := range statuses {
		if !slices.Contains(set, s) {
			return false
		}
	}
	for _, s := range set {
		if !slices.Contains(statuses, s) {
			return false
		}
	}
	return true
}

// checkPaging returns the page size and the number below which the page
// starts (0 for the first page).
func checkPaging(f fireline.IncidentFilter) (limit int, before int64, err error) {
	switch {
	case f.Limit == 0:
		limit = fireline.DefaultPageSize
	case f.Limit < 0 || f.Limit > fireline.MaxPageSize:
		return 0, 0, &fireline.Error{Code: fireline.EInvalid, Message: "invalid filter", Fields: []fireline.FieldError{
			{Field: "limit", Message: "must be between 1 and " + strconv.Itoa(fireline.MaxPageSize)}}}
	default:
		limit = f.Limit
	}
	if f.Cursor != "" {
		if before, err = decodeCursor(f.Cursor); err != nil {
			return 0, 0, err
		}
	}
	return limit, before, nil
}

func listIncidents(ctx context.Context, tx *Tx, q listQuery) (*fireline.IncidentPage, error) {
	rows, err := tx.query(ctx, q.sql, q.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	page := &fireline.IncidentPage{Incidents: []*fireline.Incident{}}
	for rows.Next() {
		inc, err := scanIncident(rows)
		if err != nil {
			return nil, err
		}
		page.Incidents = append(page.Incidents, finish(inc, tx.now))
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(page.Incidents) > q.limit {
		page.Incidents = page.Incidents[:q.limit]
		page.NextCursor = encodeCursor(page.Incidents[q.limit-1].Number)
	}
	return page, nil
}

// Cursors are opaque to clients: the number the next page starts below.
func encodeCursor(n int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("n" + strconv.FormatInt(n, 10)))
}

func decodeCursor(c string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	s, ok := strings.CutPrefix(string(b), "n")
	n, err2 := strconv.ParseInt(s, 10, 64)
	if err != nil || !ok || err2 != nil || n <= 0 {
		return 0, &fireline.Error{Code: fireline.EInvalid, Message: "invalid filter", Fields: []fireline.FieldError{
			{Field: "cursor", Message: "is not a cursor this server issued"}}}
	}
	return n, nil
}

// escapeLike escapes LIKE's wildcards (and the escape character) so that
// text matches literally.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func anys[T ~string](vs []T) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}
