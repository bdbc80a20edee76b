package policy

import (
	"regexp"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
)

// slackPlaceholder matches a name template's placeholders.
var slackPlaceholder = regexp.MustCompile(`\{[^}]*\}`)

// slack checks the slack section: known severities, a name template with
// only {date}, {slug} and {number}, a reaction name, an archive delay.
func (c *checker) slack(sp fireline.SlackPolicy) {
	for i, sev := range sp.Severities {
		c.severity1(at("slack.severities", i), sev)
	}
	for _, ph := range slackPlaceholder.FindAllString(sp.NameTemplate, -1) {
		if ph != "{date}" && ph != "{slug}" && ph != "{number}" {
			c.add("slack.name_template", "unknown placeholder %s: want {date}, {slug} or {number}", ph)
		}
	}
	if sp.NameTemplate != "" && fireline.Slugify(slackPlaceholder.ReplaceAllString(sp.NameTemplate, "x")) == "" {
		c.add("slack.name_template", "names no channel: want letters, digits, - or _ besides the placeholders")
	}
	if r := strings.Trim(sp.Reaction, ":"); sp.Reaction != "" && (r == "" || strings.ContainsAny(r, " \t")) {
		c.add("slack.reaction", "want an emoji name such as pushpin")
	}
	if d := time.Duration(sp.ArchiveAfter); d < 0 {
		c.add("slack.archive_after", "must not be negative")
	}
}
