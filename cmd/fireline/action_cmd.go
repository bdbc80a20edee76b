package main

import (
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline"
)

// actionCommand makes a command that builds one fireline.Action from its
// positional arguments (after the incident id) and flags, then acts.
func actionCommand(g *globals, use, short string, extraArgs int, flags func(*cobra.Command, *fireline.Action), build func(*fireline.Action, []string) error) *cobra.Command {
	var a fireline.Action
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1 + extraArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			if build != nil {
				if err := build(&a, args[1:]); err != nil {
					return err
				}
			}
			inc, err := c.Act(cmd.Context(), args[0], a)
			if err != nil {
				return err
			}
			return g.print(inc, func(w io.Writer) { printIncident(w, g.times(cmd.Context(), c), inc) })
		},
	}
	if flags != nil {
		flags(cmd, &a)
	}
	return cmd
}

func actionCommands(g *globals) []*cobra.Command {
	kind := func(k fireline.ActionKind) func(*fireline.Action, []string) error {
		return func(a *fireline.Action, _ []string) error { a.Kind = k; return nil }
	}
	reason := func(required bool) func(*cobra.Command, *fireline.Action) {
		return func(c *cobra.Command, a *fireline.Action) {
			c.Flags().StringVar(&a.Reason, "reason", "", "why")
			if required {
				c.MarkFlagRequired("reason")
			}
		}
	}
	rolePerson := func(c *cobra.Command, a *fireline.Action) {
		c.Flags().StringVar((*string)(&a.Role), "role", "", "primary_on_call, secondary_on_call, incident_commander, sme or communications_liaison")
		c.Flags().StringVar(&a.Person, "person", "", "person id from the directory")
		c.MarkFlagRequired("role")
		c.MarkFlagRequired("person")
	}
	return []*cobra.Command{
		actionCommand(g, "ack INC-ID", "Acknowledge an incident", 0, nil, kind(fireline.ActAcknowledge)),
		actionCommand(g, "severity INC-ID P1|P2|P3|P4", "Change severity (with --reason); clocks are recomputed", 1, reason(true),
			func(a *fireline.Action, args []string) error {
				a.Kind, a.Severity = fireline.ActChangeSeverity, fireline.Severity(strings.ToUpper(args[0]))
				return nil
			}),
		actionCommand(g, "assign INC-ID", "Assign a role to a person", 0, rolePerson, kind(fireline.ActAssignRole)),
		actionCommand(g, "unassign INC-ID", "Take a role from a person", 0, rolePerson, kind(fireline.ActUnassignRole)),
		actionCommand(g, "stage INC-ID STAGE", "Move to a workflow stage (detection, initial_response, investigation, mitigation, resolution, post_incident_review, closed)", 1,
			func(c *cobra.Command, a *fireline.Action) {
				reason(false)(c, a)
				c.Flags().StringVar(&a.Override, "override", "", "why it moves to resolution with required checklist steps open (the incident commander)")
			},
			func(a *fireline.Action, args []string) error {
				a.Kind, a.Stage = fireline.ActChangeStage, fireline.Stage(args[0])
				return nil
			}),
		actionCommand(g, "note INC-ID TEXT", "Record a note, finding, decision or mitigation step", 1,
			func(c *cobra.Command, a *fireline.Action) {
				c.Flags().StringVar((*string)(&a.NoteKind), "kind", "note", "note, finding, decision or mitigation_step")
			},
			func(a *fireline.Action, args []string) error {
				a.Kind, a.Text = fireline.ActAddNote, args[0]
				return nil
			}),
		updateCommand(g),
		actionCommand(g, "escalate INC-ID", "Escalate: page a person or a chain step now (meets escalate-by if it reaches the required level)", 0,
			func(c *cobra.Command, a *fireline.Action) {
				c.Flags().StringVar(&a.To, "to", "", "a person id (casey) or a chain step CHAIN:N (technical:3)")
				c.Flags().StringVar(&a.Text, "note", "", "why")
				c.MarkFlagRequired("to")
			}, kind(fireline.ActEscalate)),
		pageCommand(g),
		actionCommand(g, "resolve INC-ID", "Resolve an incident", 0,
			func(c *cobra.Command, a *fireline.Action) {
				c.Flags().StringVar(&a.Text, "summary", "", "how it was resolved")
				c.Flags().StringVar(&a.Override, "override", "", "why it resolves with required checklist steps open (the incident commander)")
			}, kind(fireline.ActResolve)),
		actionCommand(g, "reopen INC-ID", "Reopen a resolved or closed incident", 0, reason(true), kind(fireline.ActReopen)),
		actionCommand(g, "add-member INC-ID", "Add a person to the incident (they can then see it if it is restricted)", 0,
			func(c *cobra.Command, a *fireline.Action) {
				c.Flags().StringVar(&a.Person, "person", "", "person id from the directory")
				c.MarkFlagRequired("person")
			}, kind(fireline.ActAddMember)),
	}
}

// pageCommand sends a page again: after a contact method was fixed, or
// to someone the walk has not reached.
func pageCommand(g *globals) *cobra.Command {
	var step int
	var cmd *cobra.Command
	cmd = actionCommand(g, "page INC-ID", "Page again: a person (--person), a step of the walk (--step, as numbered on the timeline), or the primary on-call", 0,
		func(c *cobra.Command, a *fireline.Action) {
			c.Flags().StringVar(&a.Person, "person", "", "person id from the directory")
			c.Flags().IntVar(&step, "step", 0, "walk step: 0 primary on-call, 1 secondary, then the chain's steps")
		},
		func(a *fireline.Action, _ []string) error {
			a.Kind = fireline.ActPage
			if cmd.Flags().Changed("step") {
				a.Step = &step
			}
			return nil
		})
	return cmd
}

func updateCommand(g *globals) *cobra.Command {
	var title, description, impact, scope, eta string
	var services []string
	var clearETA bool
	var cmd *cobra.Command
	cmd = actionCommand(g, "update INC-ID", "Update title, description, impact, scope, affected services or ETA", 0,
		func(c *cobra.Command, a *fireline.Action) {
			f := c.Flags()
			f.StringVar(&title, "title", "", "new title")
			f.StringVar(&description, "description", "", "new description")
			f.StringVar(&impact, "impact", "", "who and what is affected, and how badly")
			f.StringVar(&scope, "scope", "", "how far it reaches")
			f.StringSliceVar(&services, "service", nil, "affected service id (repeatable; replaces the list)")
			f.StringVar(&eta, "eta", "", "estimated resolution time (RFC 3339, or a duration from now such as 2h)")
			f.BoolVar(&clearETA, "clear-eta", false, "remove the ETA")
		},
		func(a *fireline.Action, _ []string) error {
			a.Kind = fireline.ActUpdate
			u := &a.Update
			f := cmd.Flags()
			for _, s := range []struct {
				name string
				val  *string
				dst  **string
			}{{"title", &title, &u.Title}, {"description", &description, &u.Description}, {"impact", &impact, &u.Impact}, {"scope", &scope, &u.Scope}} {
				if f.Changed(s.name) {
					*s.dst = s.val
				}
			}
			if f.Changed("service") {
				u.Services = services
			}
			u.ClearETA = clearETA
			if eta != "" {
				t, err := parseETA(eta)
				if err != nil {
					return err
				}
				u.ETA = &t
			}
			return nil
		})
	return cmd
}

func parseETA(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	d, err := fireline.ParseDeadline(v)
	if err != nil || d.Kind != fireline.DeadlineAfter {
		return time.Time{}, &fireline.Error{Code: fireline.EInvalid, Message: "--eta must be an RFC 3339 time or a duration such as 2h"}
	}
	return time.Now().Add(d.After), nil
}
