package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/web"
)

// boardGroupings are what `action list --by` sums the board by.
var boardGroupings = map[string]func(fireline.ActionBoard) []fireline.BoardGroup{
	"team":  func(b fireline.ActionBoard) []fireline.BoardGroup { return b.ByTeam },
	"owner": func(b fireline.ActionBoard) []fireline.BoardGroup { return b.ByOwner },
	"age":   func(b fireline.ActionBoard) []fireline.BoardGroup { return b.ByAge },
}

// checkGrouping refuses a --by the board does not know, before any request.
func checkGrouping(by string) error {
	if _, ok := boardGroupings[by]; by == "" || ok {
		return nil
	}
	return &fireline.Error{Code: fireline.EInvalid, Message: "invalid flag",
		Fields: []fireline.FieldError{{Field: "by", Message: "want team, owner or age, not " + by}}}
}

// printBoard prints the list's counts by team, owner or age: one group a
// line, an item of an owner in two teams counted in each.
func printBoard(w io.Writer, list *web.ActionItemList, by string) {
	groups := boardGroupings[by](list.Summary)
	if len(groups) == 0 {
		fmt.Fprintln(w, "no action items")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\tOPEN\tOVERDUE\tDONE\n", map[string]string{"team": "TEAM", "owner": "OWNER", "age": "AGE"}[by])
	for _, g := range groups {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\n", g.Key, g.Open, g.Overdue, g.Done)
	}
	tw.Flush()
}
