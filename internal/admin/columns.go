package admin

import (
	"context"
	"strings"
	"unicode"

	"roster/internal/directory"
)

// Column groups, as the mapping step shows them.
const (
	ColumnGeneral  = "general"
	ColumnAdvanced = "advanced"
	ColumnOther    = "other"
)

// customPrefix starts the key of a column that holds a custom field:
// "custom:" followed by the field's key.
const customPrefix = "custom:"

// Column is a user field a CSV column can hold, in an import and in an
// export: Key is what a mapping names ("first_name", "custom:grade"),
// Label the header Roster writes and recognises, Group where the mapping
// step lists it. Aliases are other headers that propose the column
// automatically ("Given name", "Login").
type Column struct {
	Key     string
	Label   string
	Group   string
	Aliases []string
	// Importable is false for read-only columns (status flags, dates
	// Roster keeps); Exportable is false for columns never written out
	// (password hashes).
	Importable bool
	Exportable bool
}

// userColumns is the built-in catalog, in the order an export writes it.
var userColumns = []Column{
	{Key: "username", Label: "User name", Group: ColumnGeneral, Importable: true, Exportable: true,
		Aliases: []string{"username", "user", "login", "login name", "user id", "userid", "sam account name", "samaccountname"}},
	{Key: "first_name", Label: "First name", Group: ColumnGeneral, Importable: true, Exportable: true,
		Aliases: []string{"firstname", "first", "given name", "givenname", "forename"}},
	{Key: "last_name", Label: "Last name", Group: ColumnGeneral, Importable: true, Exportable: true,
		Aliases: []string{"lastname", "last", "surname", "family name", "familyname"}},
	{Key: "email", Label: "Email", Group: ColumnGeneral, Importable: true, Exportable: true,
		Aliases: []string{"e-mail", "email address", "e-mail address", "mail"}},
	{Key: "display_name", Label: "Display name", Group: ColumnAdvanced, Importable: true, Exportable: true,
		Aliases: []string{"displayname", "full name", "name"}},
	{Key: "role", Label: "Role", Group: ColumnAdvanced, Importable: true, Exportable: true,
		Aliases: []string{"security level", "passport", "workgroup", "access level"}},
	{Key: "scope_unit", Label: "Scope", Group: ColumnAdvanced, Importable: true, Exportable: true,
		Aliases: []string{"scope unit", "site", "district", "school", "business unit"}},
	{Key: "phone", Label: "Phone", Group: ColumnAdvanced, Importable: true, Exportable: true,
		Aliases: []string{"phone number", "telephone", "mobile", "cell"}},
	{Key: "job_title", Label: "Job title", Group: ColumnAdvanced, Importable: true, Exportable: true,
		Aliases: []string{"title", "jobtitle"}},
	{Key: "position", Label: "Position", Group: ColumnAdvanced, Importable: true, Exportable: true},
	{Key: "external_id", Label: "User code", Group: ColumnAdvanced, Importable: true, Exportable: true,
		Aliases: []string{"usercode", "external id", "externalid", "employee id", "employee number", "student id", "staff id"}},
	{Key: "status", Label: "Status", Group: ColumnAdvanced, Importable: true, Exportable: true},
	{Key: "supervisor", Label: "Supervisor", Group: ColumnAdvanced, Importable: true, Exportable: true,
		Aliases: []string{"manager", "supervisor user name", "reports to"}},
	{Key: "department", Label: "Department", Group: ColumnAdvanced, Importable: true, Exportable: true,
		Aliases: []string{"dept"}},
	{Key: "location", Label: "Location", Group: ColumnAdvanced, Importable: true, Exportable: true,
		Aliases: []string{"default location", "office"}},
	{Key: "groups", Label: "Groups", Group: ColumnAdvanced, Importable: true, Exportable: true,
		Aliases: []string{"group"}},
	{Key: "license", Label: "License", Group: ColumnAdvanced, Importable: true, Exportable: true,
		Aliases: []string{"license type", "licence"}},
	{Key: "password_hash", Label: "Password hash", Group: ColumnAdvanced, Importable: true,
		Aliases: []string{"passwordhash", "hash", "hashed password"}},
	{Key: "expires_at", Label: "Account expires", Group: ColumnOther, Importable: true, Exportable: true,
		Aliases: []string{"expires", "expiry", "expiration date", "end date"}},
	{Key: "address_street", Label: "Street", Group: ColumnOther, Importable: true, Exportable: true,
		Aliases: []string{"address", "street address"}},
	{Key: "address_locality", Label: "City", Group: ColumnOther, Importable: true, Exportable: true,
		Aliases: []string{"locality", "town"}},
	{Key: "address_region", Label: "Region", Group: ColumnOther, Importable: true, Exportable: true,
		Aliases: []string{"state", "province", "county"}},
	{Key: "address_postal_code", Label: "Postal code", Group: ColumnOther, Importable: true, Exportable: true,
		Aliases: []string{"zip", "zip code", "postcode"}},
	{Key: "address_country", Label: "Country", Group: ColumnOther, Importable: true, Exportable: true},
	{Key: "id", Label: "Roster id", Group: ColumnOther, Exportable: true},
	{Key: "locked", Label: "Locked", Group: ColumnOther, Exportable: true},
	{Key: "created_at", Label: "Created", Group: ColumnOther, Exportable: true},
	{Key: "last_sign_in_at", Label: "Last sign-in", Group: ColumnOther, Exportable: true},
}

// UserColumns returns the columns of the organization's users: the
// built-in ones and one per custom field ("custom:KEY", labelled with the
// field's label).
func (s *Service) UserColumns(ctx context.Context, a *Actor) ([]Column, error) {
	if err := signedIn(a); err != nil {
		return nil, err
	}
	fields, err := s.db.Fields(ctx, a.OrgID)
	if err != nil {
		return nil, err
	}
	return columnsWith(fields), nil
}

// columnsWith returns the built-in columns followed by those of fields.
func columnsWith(fields []*directory.CustomField) []Column {
	out := make([]Column, 0, len(userColumns)+len(fields))
	out = append(out, userColumns...)
	for _, f := range fields {
		out = append(out, Column{Key: customPrefix + f.Key, Label: f.Label, Group: ColumnOther,
			Aliases: []string{f.Key}, Importable: true, Exportable: true})
	}
	return out
}

// headerKey folds a header for matching: lower case, with spaces,
// underscores, dots and hyphens made one space.
func headerKey(h string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(strings.TrimSpace(h)) {
		if r == '_' || r == '-' || r == '.' || unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ProposeMapping proposes a column for each header: the importable column
// whose label, key or alias matches it, or "" to leave the header out. No
// column is proposed twice.
func ProposeMapping(columns []Column, headers []string) []string {
	byName := map[string]string{}
	for _, c := range columns {
		if !c.Importable {
			continue
		}
		for _, name := range append([]string{c.Label, c.Key, strings.TrimPrefix(c.Key, customPrefix)}, c.Aliases...) {
			k := headerKey(name)
			if _, taken := byName[k]; !taken {
				byName[k] = c.Key
			}
		}
	}
	out := make([]string, len(headers))
	used := map[string]bool{}
	for i, h := range headers {
		if key := byName[headerKey(h)]; key != "" && !used[key] {
			out[i], used[key] = key, true
		}
	}
	return out
}
