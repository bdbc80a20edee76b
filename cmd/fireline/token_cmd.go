package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline"
)

func newTokenCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "token", Aliases: []string{"tokens"}, Short: "Create, list and revoke API tokens (admin)"}
	cmd.AddCommand(newTokenCreateCommand(g), newTokenListCommand(g), newTokenRevokeCommand(g))
	return cmd
}

// createdToken is what `token create -o json` prints: the token's fields
// and, once, its secret as "token".
type createdToken struct {
	*fireline.Token
	Secret string `json:"token"`
}

func newTokenCreateCommand(g *globals) *cobra.Command {
	var in fireline.TokenInput
	var role, expires string
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a token; its secret is printed once",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			in.Role = fireline.Role(role)
			if expires != "" {
				t, err := parseETA(expires)
				if err != nil {
					return &fireline.Error{Code: fireline.EInvalid, Message: "--expires must be an RFC 3339 time or a duration such as 720h or 90d"}
				}
				in.ExpiresAt = &t
			}
			tok, secret, err := c.CreateToken(cmd.Context(), in)
			if err != nil {
				return err
			}
			return g.print(createdToken{tok, secret}, func(w io.Writer) {
				fmt.Fprintf(w, "Created token %s (%s, role %s). Its secret is shown once; store it now:\n\n    %s\n\n", tok.ID, tok.Name, tok.Role, secret)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&role, "role", "", "viewer, responder or admin (required)")
	f.StringVar(&in.PersonID, "person", "", "the person in the directory this token acts for")
	f.StringVar(&in.Automation, "automation", "", "or: the name of the automation this token acts for")
	f.StringVar(&in.Name, "name", "", "a label (default: the person or automation)")
	f.StringVar(&expires, "expires", "", "expiry: RFC 3339 time or a duration from now (e.g. 90d)")
	cmd.MarkFlagRequired("role")
	return cmd
}

func newTokenListCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List tokens (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			tokens, err := c.ListTokens(cmd.Context())
			if err != nil {
				return err
			}
			return g.print(map[string]any{"tokens": tokens}, func(w io.Writer) {
				tf := g.times(cmd.Context(), c)
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tNAME\tROLE\tACTS FOR\tCREATED\tEXPIRES\tLAST USED\tREVOKED")
				for _, t := range tokens {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, t.Actor().Name(),
						tf.format(t.CreatedAt), tf.optional(t.ExpiresAt), tf.optional(t.LastUsedAt), tf.optional(t.RevokedAt))
				}
				tw.Flush()
			})
		},
	}
}

func newTokenRevokeCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a token",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			if err := c.RevokeToken(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(g.env.Stdout, "revoked %s\n", args[0])
			return nil
		},
	}
}
