package policy

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"os"
	"reflect"
	"time"
	_ "time/tzdata" // calendars load their time zone on hosts without zoneinfo

	"github.com/fireline-dev/fireline"
)

//go:embed default.yaml
var defaultYAML []byte

// defaultFilename is the name problems in the embedded default policy are
// reported against.
const defaultFilename = "default.yaml"

// DefaultYAML returns the embedded default policy file, the starting point
// for an organisation's own (fireline policy init writes it out).
func DefaultYAML() []byte {
	return append([]byte(nil), defaultYAML...)
}

// Default returns the embedded default policy, freshly parsed, so callers
// may not change one another's copy. It panics if the embedded file is
// invalid, which a test rules out.
func Default() *fireline.Policy {
	p, err := Parse(defaultFilename, defaultYAML)
	if err != nil {
		panic("policy: embedded default policy is invalid:\n" + err.Error())
	}
	return p
}

// Load reads and parses the policy file at path. A file that cannot be
// read gives an *os.PathError; an invalid one gives Problems.
func Load(path string) (*fireline.Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read policy: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes and validates a policy document; filename is used only in
// problems. On success the calendar's time zone is loaded into
// Calendar.Location and Digest is the hex SHA-256 of data. Otherwise the
// error is Problems listing everything wrong, in file order: YAML syntax,
// unknown fields, values of the wrong type, and broken rules, each at the
// line of the offending key or of its nearest enclosing one.
func Parse(filename string, data []byte) (*fireline.Policy, error) {
	p, _, err := parse(filename, data)
	return p, err
}

// Check parses a policy document as Parse does and also returns its
// warnings and notes (warnings.go): what is valid but will probably not
// work as meant on a server, such as a webhook to a private address or a
// holiday list about to run out. now is the instant the holidays are
// judged from. Warnings never make a policy invalid.
func Check(filename string, data []byte, now time.Time) (*fireline.Policy, Problems, error) {
	p, d, err := parse(filename, data)
	if err != nil {
		return nil, nil, err
	}
	var out Problems
	for _, a := range warnings(p, now) {
		pr := problemAt(filename, d.locate(a.path), a.path+": "+a.msg)
		pr.Level = a.level
		out = append(out, pr)
	}
	out.sort()
	return p, out, nil
}

// CheckFile reads the policy file at path and checks it as Check does.
func CheckFile(path string, now time.Time) (*fireline.Policy, Problems, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read policy: %w", err)
	}
	return Check(path, data, now)
}

// parse decodes and validates, returning the decoder for the positions of
// the document's paths.
func parse(filename string, data []byte) (*fireline.Policy, *decoder, error) {
	body, problems := parseDocument(filename, data)
	if problems != nil {
		return nil, nil, problems
	}
	d := newDecoder(filename, body)
	var p fireline.Policy
	d.value(body, reflect.ValueOf(&p).Elem(), "")
	for _, f := range validate(&p) {
		if !d.failedAt(f.path) {
			d.report(f.path, d.locate(f.path), f.msg)
		}
	}
	if len(d.problems) > 0 {
		d.problems.sort()
		return nil, nil, d.problems
	}
	loc, err := time.LoadLocation(p.Calendar.TimeZone)
	if err != nil { // validate has checked it; keep the failure visible anyway
		return nil, nil, Problems{problemAt(filename, d.locate("calendar.time_zone"), err.Error())}
	}
	p.Calendar.Location = loc
	setLocations(&p)
	sum := sha256.Sum256(data)
	p.Digest = hex.EncodeToString(sum[:])
	return &p, d, nil
}
