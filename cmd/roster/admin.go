package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
)

func (a *app) adminCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "admin", Short: "Manage the owners of an organization"}
	var in admin.OwnerInput
	var fromStdin bool
	create := &cobra.Command{
		Use:     "create",
		Short:   "Create an active owner (every permission, organization-wide)",
		Example: `  printf '%s' 'a long pass phrase here' | roster admin create --email owner@example.com --password-stdin`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !fromStdin {
				return fmt.Errorf("give the password on standard input with --password-stdin")
			}
			pw, err := readSecret(a.stdin)
			if err != nil {
				return err
			}
			in.Password = pw
			return a.withService(cmd.Context(), func(svc *admin.Service, org *directory.Organization) error {
				u, err := svc.CreateOwner(cmd.Context(), org.ID, in)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "created owner %s (%s) in organization %s, id %s\n", u.Username, u.Email, org.Slug, u.ID)
				return nil
			})
		},
	}
	create.Flags().StringVar(&in.Email, "email", "", "the owner's email (required)")
	create.Flags().StringVar(&in.FirstName, "first-name", "", "first name (default Owner)")
	create.Flags().StringVar(&in.LastName, "last-name", "", "last name (default Account)")
	create.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from standard input")
	_ = create.MarkFlagRequired("email")
	cmd.AddCommand(create)
	return cmd
}

func (a *app) usersCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "users", Short: "Operator actions on users"}
	var email string
	var fromStdin bool
	setPW := &cobra.Command{
		Use:   "set-password",
		Short: "Set a user's password (activates a pending user)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !fromStdin {
				return fmt.Errorf("give the password on standard input with --password-stdin")
			}
			pw, err := readSecret(a.stdin)
			if err != nil {
				return err
			}
			return a.withService(cmd.Context(), func(svc *admin.Service, org *directory.Organization) error {
				u, err := svc.SetPasswordByOperator(cmd.Context(), org.ID, email, pw)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "password set for %s; status %s\n", u.Username, u.Status)
				return nil
			})
		},
	}
	setPW.Flags().StringVar(&email, "email", "", "the user's email or username (required)")
	setPW.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from standard input")
	_ = setPW.MarkFlagRequired("email")
	cmd.AddCommand(setPW)
	cmd.AddCommand(a.usersExportCmd())
	cmd.AddCommand(a.usersImportCmd())
	return cmd
}

func (a *app) tokenCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Manage API tokens"}
	var email, name, provRole, provUnit string
	var expires time.Duration
	create := &cobra.Command{
		Use:   "create",
		Short: "Print a new bearer token acting with an active user's rights",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if expires < 0 {
				return fmt.Errorf("--expires must be positive")
			}
			return a.withService(cmd.Context(), func(svc *admin.Service, org *directory.Organization) error {
				u, err := svc.UserByLogin(cmd.Context(), org.ID, email)
				if err != nil {
					return fmt.Errorf("%s: %w", email, err)
				}
				in := admin.TokenInput{UserID: u.ID, Name: name}
				if in.ProvisionRoleID, in.ProvisionUnitID, err = provisionGrant(cmd.Context(), svc, org.ID, provRole, provUnit); err != nil {
					return err
				}
				if expires > 0 {
					in.ExpiresAt = svc.Now().Add(expires)
				}
				_, secret, err := svc.CreateToken(cmd.Context(), admin.Operator(org.ID), in)
				if err != nil {
					return err
				}
				fmt.Fprintln(a.stdout, secret)
				return nil
			})
		},
	}
	create.Flags().StringVar(&email, "email", "", "the user's email or username (required)")
	create.Flags().StringVar(&name, "name", "", "a name that says what the token is for (required)")
	create.Flags().DurationVar(&expires, "expires", 0, "lifetime, e.g. 720h (default: never expires)")
	create.Flags().StringVar(&provRole, "provision-role", "", "the role (key or name) that users the token creates through SCIM receive")
	create.Flags().StringVar(&provUnit, "provision-unit", "", "the unit (code or name) of that role's scope (default: the whole organization)")
	_ = create.MarkFlagRequired("email")
	_ = create.MarkFlagRequired("name")
	cmd.AddCommand(create)
	return cmd
}

// provisionGrant finds the role and unit the token create flags name: a
// role by key or name, a unit by code or name, without regard to case.
func provisionGrant(ctx context.Context, svc *admin.Service, orgID, role, unit string) (roleID, unitID string, err error) {
	op := admin.Operator(orgID)
	if role != "" {
		roles, err := svc.Roles(ctx, op)
		if err != nil {
			return "", "", err
		}
		for _, r := range roles {
			if strings.EqualFold(r.Key, role) || strings.EqualFold(r.Name, role) {
				roleID = r.ID
			}
		}
		if roleID == "" {
			return "", "", fmt.Errorf("--provision-role: no role has the key or name %q", role)
		}
	}
	if unit != "" {
		units, err := svc.Units(ctx, op, store.UnitFilter{})
		if err != nil {
			return "", "", err
		}
		for _, u := range units {
			if strings.EqualFold(u.Code, unit) || strings.EqualFold(u.Name, unit) {
				unitID = u.ID
				break
			}
		}
		if unitID == "" {
			return "", "", fmt.Errorf("--provision-unit: no unit has the code or name %q", unit)
		}
	}
	return roleID, unitID, nil
}

func (a *app) orgCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "org", Short: "Manage organizations"}
	var slug, name string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an organization with its built-in roles",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withService(cmd.Context(), func(svc *admin.Service, _ *directory.Organization) error {
				o, err := svc.CreateOrganization(cmd.Context(), slug, name)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "created organization %s (%s), id %s\n", o.Slug, o.Name, o.ID)
				return nil
			})
		},
	}
	create.Flags().StringVar(&slug, "slug", "", "short name used with --org (required)")
	create.Flags().StringVar(&name, "name", "", "display name (required)")
	_ = create.MarkFlagRequired("slug")
	_ = create.MarkFlagRequired("name")
	list := &cobra.Command{
		Use:   "list",
		Short: "List organizations",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withService(cmd.Context(), func(svc *admin.Service, _ *directory.Organization) error {
				orgs, err := svc.Organizations(cmd.Context())
				if err != nil {
					return err
				}
				for _, o := range orgs {
					fmt.Fprintf(a.stdout, "%s\t%s\t%s\n", o.Slug, o.Name, o.ID)
				}
				return nil
			})
		},
	}
	cmd.AddCommand(create, list)
	return cmd
}
