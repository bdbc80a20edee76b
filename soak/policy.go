package soak

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/fireline-dev/fireline/policy"
)

// The soak's policy is the embedded guide with two changes, so that real
// processes can be watched walking it within seconds:
//   - every person is paged by webhook at the soak's receiver
//     (RECEIVER/p/PERSON), not by email;
//   - a P2's respond clock is 4 s, its escalation 10 s and the technical
//     chain's delays 2 s, so that a whole walk (primary, secondary, the
//     on-call step, the Engineering Lead) takes about ten seconds.

// walkSteps is how many escalation steps a P2's walk records under the
// soak's policy: the primary, the secondary, the on-call step and the lead.
const walkSteps = 4

var personEmail = regexp.MustCompile(`(?m)^    email: ([a-z]+)@berrys\.ai\n`)

// writePolicy writes the soak's policy into dir, checks it, and returns
// its path.
func writePolicy(dir, receiverURL string) (string, error) {
	y := string(policy.DefaultYAML())
	people, rest, ok := strings.Cut(y, "\ncontacts:")
	if !ok {
		return "", fmt.Errorf("the default policy has no contacts section after its people")
	}
	y = personEmail.ReplaceAllString(people, "    email: $1@berrys.ai\n    contact_methods:\n      - { type: webhook, url: \""+receiverURL+"/p/$1\" }\n") + "\ncontacts:" + rest
	for _, r := range []struct{ from, to string }{
		{"      business_hours: 1h\n      outside_business_hours: 4h\n", "      business_hours: 4s\n      outside_business_hours: 4s\n"},
		{"    escalation:\n      within: 2h\n", "    escalation:\n      within: 10s\n"},
		{"delay: 15m", "delay: 2s"},
		{"delay: 30m", "delay: 2s"},
	} {
		if !strings.Contains(y, r.from) {
			return "", fmt.Errorf("the default policy changed: %q not found", strings.TrimSpace(r.from))
		}
		y = strings.ReplaceAll(y, r.from, r.to)
	}
	path := filepath.Join(dir, "fireline.yaml")
	if err := os.WriteFile(path, []byte(y), 0o644); err != nil {
		return "", err
	}
	if _, err := policy.Load(path); err != nil {
		return "", fmt.Errorf("the soak's policy: %w", err)
	}
	return path, nil
}
