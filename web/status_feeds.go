package web

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/xml"
	"slices"
	"time"

	"github.com/fireline-dev/fireline"
)

// The status page's history as feeds, at the paths hosted Statuspage
// pages use: /history.atom (RFC 4287) and /history.rss (RSS 2.0). One
// entry per published update, newest first, at most maxFeedEntries; each
// entry's id is a name-based UUID of the page, the incident and the
// update, so it never changes and is never reused. Written with
// encoding/xml: the two documents are small, and every field is ours to
// set (a library that makes up ids when one is missing is a risk we need
// not take).

// maxFeedEntries caps the feeds and the incident lists of the JSON.
const maxFeedEntries = 50

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomEntry struct {
	ID        string    `xml:"id"`
	Title     string    `xml:"title"`
	Published string    `xml:"published"`
	Updated   string    `xml:"updated"`
	Link      atomLink  `xml:"link"`
	Content   atomText  `xml:"content"`
	Category  *atomCat  `xml:"category,omitempty"`
	Author    *atomName `xml:"author,omitempty"`
}

type atomCat struct {
	Term string `xml:"term,attr"`
}

type atomName struct {
	Name string `xml:"name"`
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"xml:lang,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomName    `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type rssGUID struct {
	IsPermaLink string `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

type rssItem struct {
	Title       string  `xml:"title"`
	Link        string  `xml:"link"`
	Description string  `xml:"description"`
	GUID        rssGUID `xml:"guid"`
	PubDate     string  `xml:"pubDate"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Description   string    `xml:"description"`
	Language      string    `xml:"language"`
	LastBuildDate string    `xml:"lastBuildDate"`
	SelfLink      atomLink  `xml:"http://www.w3.org/2005/Atom link"`
	Items         []rssItem `xml:"item"`
}

type rssFeed struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	Channel rssChannel `xml:"channel"`
}

// feedEntry is one published update of the history.
type feedEntry struct {
	id, title, text, link string
	at                    time.Time
}

// entries are the history's updates, newest first.
func (d *statusDoc) entries() []feedEntry {
	var out []feedEntry
	for _, iv := range d.v.Incidents {
		id := d.incidentID(iv.Number)
		for _, u := range iv.Updates {
			out = append(out, feedEntry{id: nameUUID(d.pageID() + "/incident/" + id + "/update/" + itoa(int64(u.Number))),
				title: iv.Name + ": " + statusWord(u.Status), text: u.Text, link: d.base + "/status/incidents/" + id, at: u.At})
		}
	}
	sortEntries(out)
	if len(out) > maxFeedEntries {
		out = out[:maxFeedEntries]
	}
	return out
}

// sortEntries orders entries newest first, keeping the order of those
// published together.
func sortEntries(es []feedEntry) {
	slices.SortStableFunc(es, func(a, b feedEntry) int { return b.at.Compare(a.at) })
}

// nameUUID is a version 5 (SHA-1, name-based) UUID URN of name.
func nameUUID(name string) string {
	sum := sha1.Sum([]byte("fireline-status:" + name))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return "urn:uuid:" + h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func statusWord(s fireline.PublicStatus) string {
	switch s {
	case fireline.PublicInvestigating:
		return "Investigating"
	case fireline.PublicIdentified:
		return "Identified"
	case fireline.PublicMonitoring:
		return "Monitoring"
	case fireline.PublicResolved:
		return "Resolved"
	}
	return string(s)
}

func (d *statusDoc) feedUpdated(es []feedEntry) time.Time {
	if len(es) > 0 {
		return es[0].at
	}
	return time.Time(d.page().UpdatedAt)
}

// atom renders /history.atom.
func (d *statusDoc) atom() ([]byte, error) {
	page, es := d.page(), d.entries()
	f := atomFeed{Lang: "en", ID: nameUUID(d.pageID() + "/history"), Title: page.Name + " - Incident History",
		Updated: d.feedUpdated(es).UTC().Format(time.RFC3339),
		Links: []atomLink{{Rel: "alternate", Type: "text/html", Href: d.base + "/status"},
			{Rel: "self", Type: "application/atom+xml", Href: d.base + "/history.atom"}},
		Author: atomName{Name: page.Name}}
	for _, e := range es {
		at := e.at.UTC().Format(time.RFC3339)
		f.Entries = append(f.Entries, atomEntry{ID: e.id, Title: e.title, Published: at, Updated: at,
			Link: atomLink{Rel: "alternate", Type: "text/html", Href: e.link}, Content: atomText{Type: "text", Body: e.text}})
	}
	return marshalXML(f)
}

// rss renders /history.rss.
func (d *statusDoc) rss() ([]byte, error) {
	page, es := d.page(), d.entries()
	f := rssFeed{Version: "2.0", Channel: rssChannel{Title: page.Name + " - Incident History", Link: d.base + "/status",
		Description: "Updates about incidents and maintenance on " + page.Name, Language: "en",
		LastBuildDate: d.feedUpdated(es).UTC().Format(time.RFC1123Z),
		SelfLink:      atomLink{Rel: "self", Type: "application/rss+xml", Href: d.base + "/history.rss"}}}
	for _, e := range es {
		f.Channel.Items = append(f.Channel.Items, rssItem{Title: e.title, Link: e.link, Description: e.text,
			GUID: rssGUID{IsPermaLink: "false", Value: e.id}, PubDate: e.at.UTC().Format(time.RFC1123Z)})
	}
	return marshalXML(f)
}

func marshalXML(v any) ([]byte, error) {
	b, err := xml.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}
