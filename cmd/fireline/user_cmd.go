package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline"
)

func newUserCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Aliases: []string{"users"}, Short: "Create, list, change and disable web console users (admin)"}
	cmd.AddCommand(newUserCreateCommand(g), newUserListCommand(g), newUserSetRoleCommand(g),
		newUserSetPersonCommand(g), newUserDisableCommand(g), newUserLinkCommand(g))
	return cmd
}

// createdUserOut is what `user create -o json` prints.
type createdUserOut struct {
	User      *fireline.User `json:"user"`
	LoginLink string         `json:"login_link"`
	ExpiresAt time.Time      `json:"login_link_expires_at"`
}

// printLink prints a one-time login link on the server the CLI talks to.
func (g *globals) printLink(tf *timeFormat, u *fireline.User, link fireline.LoginLink) error {
	url := strings.TrimRight(g.server, "/") + link.Path()
	return g.print(createdUserOut{User: u, LoginLink: url, ExpiresAt: link.ExpiresAt}, func(w io.Writer) {
		who := "the user"
		if u != nil {
			who = u.Email
		}
		fmt.Fprintf(w, "One-time login link for %s (valid until %s; shown once):\n\n    %s\n\n", who, tf.format(link.ExpiresAt), url)
	})
}

func newUserCreateCommand(g *globals) *cobra.Command {
	var in fireline.UserInput
	var role string
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a console user and print a one-time login link",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			in.Role = fireline.Role(role)
			u, link, err := c.CreateUser(cmd.Context(), in)
			if err != nil {
				return err
			}
			if g.output != "json" {
				fmt.Fprintf(g.env.Stdout, "Created user %s (%s, role %s, person %s).\n", u.Email, u.ID, u.Role, u.PersonID)
			}
			return g.printLink(g.times(cmd.Context(), c), u, link)
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.Email, "email", "", "email address, used to log in (required)")
	f.StringVar(&in.Name, "name", "", "display name (required)")
	f.StringVar(&role, "role", "", "viewer, responder or admin (required)")
	f.StringVar(&in.PersonID, "person", "", "the person in the policy's directory this user acts as (required)")
	for _, name := range []string{"email", "name", "role", "person"} {
		cmd.MarkFlagRequired(name)
	}
	return cmd
}

func newUserListCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List console users",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			users, err := c.ListUsers(cmd.Context())
			if err != nil {
				return err
			}
			return g.print(map[string]any{"users": users}, func(w io.Writer) {
				tf := g.times(cmd.Context(), c)
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLE\tPERSON\tPASSWORD\tLAST LOGIN\tDISABLED")
				for _, u := range users {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Name, u.Role, u.PersonID,
						yesNo(u.HasPassword), tf.optional(u.LastLoginAt), yesNo(u.Disabled))
				}
				tw.Flush()
			})
		},
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func newUserSetRoleCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "set-role ID|EMAIL ROLE",
		Short: "Set a console user's role: viewer, responder or admin",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			u, err := c.SetUserRole(cmd.Context(), args[0], fireline.Role(args[1]))
			if err != nil {
				return err
			}
			return g.print(u, func(w io.Writer) { fmt.Fprintf(w, "%s is now %s\n", u.Email, u.Role) })
		},
	}
}

func newUserSetPersonCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "set-person ID|EMAIL PERSON",
		Short: "Change the person of the guide's directory a console user acts as",
		Long: "Change the person a console user acts as: their name on the timeline and their membership of\n" +
			"restricted incidents. It applies from the user's next request.",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			u, err := c.SetUserPerson(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			return g.print(u, func(w io.Writer) { fmt.Fprintf(w, "%s now acts as %s\n", u.Email, u.PersonID) })
		},
	}
}

func newUserDisableCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "disable ID|EMAIL",
		Short: "Disable a console user and end all their sessions",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			u, err := c.DisableUser(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(u, func(w io.Writer) { fmt.Fprintf(w, "disabled %s; their sessions have ended\n", u.Email) })
		},
	}
}

func newUserLinkCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "login-link ID|EMAIL",
		Short: "Print a new one-time login link for a user (e.g. a forgotten password)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			link, err := c.CreateLoginLink(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.printLink(g.times(cmd.Context(), c), nil, link)
		},
	}
}
