package scim

import "strings"

// The schema URNs of RFC 7643 and RFC 7644.
const (
	SchemaUser       = "urn:ietf:params:scim:schemas:core:2.0:User"
	SchemaGroup      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	SchemaEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	schemaList       = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	schemaError      = "urn:ietf:params:scim:api:messages:2.0:Error"
	schemaPatch      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	schemaSearch     = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
	schemaBulkReq    = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
	schemaBulkResp   = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
	schemaSPConfig   = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	schemaResType    = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	schemaSchema     = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)

// attr describes one attribute of a schema (RFC 7643 §2.2, §7).
type attr struct {
	Name        string
	Type        string // string, boolean, complex, dateTime, reference
	Multi       bool
	Required    bool
	CaseExact   bool
	Mutability  string // readWrite (""), readOnly, immutable, writeOnly
	Returned    string // default (""), always, never, request
	Uniqueness  string // none (""), server
	Canonical   []string
	RefTypes    []string
	Description string
	Sub         []*attr
}

func (a *attr) readOnly() bool { return a.Mutability == "readOnly" }

// sub returns the sub-attribute named name, in any case.
func (a *attr) sub(name string) *attr { return find(a.Sub, name) }

func find(list []*attr, name string) *attr {
	for _, a := range list {
		if strings.EqualFold(a.Name, name) {
			return a
		}
	}
	return nil
}

// schema is a resource schema or an extension of one.
type schema struct {
	ID          string
	Name        string
	Description string
	Attrs       []*attr
}

func str(name, desc string) *attr { return &attr{Name: name, Type: "string", Description: desc} }

// multi is the usual shape of a multi-valued attribute: value, display,
// type and primary.
func multi(name, desc string, types ...string) *attr {
	return &attr{Name: name, Type: "complex", Multi: true, Description: desc, Sub: []*attr{
		str("value", "The value"), str("display", "A human-readable name, for display"),
		{Name: "type", Type: "string", Canonical: types, Description: "A label for the function"},
		{Name: "primary", Type: "boolean", Description: "The preferred value"},
	}}
}

var (
	idAttr = &attr{Name: "id", Type: "string", CaseExact: true, Mutability: "readOnly", Returned: "always", Uniqueness: "server",
		Description: "Roster's identifier of the resource"}
	externalIDAttr = &attr{Name: "externalId", Type: "string", CaseExact: true,
		Description: "The client's identifier of the resource"}
	metaAttr = &attr{Name: "meta", Type: "complex", Mutability: "readOnly", Description: "Resource metadata", Sub: []*attr{
		{Name: "resourceType", Type: "string", CaseExact: true, Mutability: "readOnly"},
		{Name: "created", Type: "dateTime", Mutability: "readOnly"},
		{Name: "lastModified", Type: "dateTime", Mutability: "readOnly"},
		{Name: "location", Type: "reference", CaseExact: true, Mutability: "readOnly", RefTypes: []string{"uri"}},
		{Name: "version", Type: "string", CaseExact: true, Mutability: "readOnly"},
	}}
)

var userSchema = &schema{ID: SchemaUser, Name: "User", Description: "User Account", Attrs: []*attr{
	{Name: "userName", Type: "string", Required: true, Uniqueness: "server",
		Description: "Unique identifier for the user, used to sign in (Roster's user name); unique without regard to case"},
	{Name: "name", Type: "complex", Description: "The components of the user's name", Sub: []*attr{
		str("formatted", "The full name"), str("familyName", "The family name (Roster's last name)"),
		str("givenName", "The given name (Roster's first name)"), str("middleName", "The middle name"),
		str("honorificPrefix", "The honorific prefix"), str("honorificSuffix", "The honorific suffix"),
	}},
	str("displayName", "The name shown for the user"),
	str("nickName", "The casual name of the user"),
	{Name: "profileUrl", Type: "reference", RefTypes: []string{"external"}, Description: "A URL of the user's online profile"},
	str("title", "The user's title (Roster's job title)"),
	str("userType", "The relationship between the organization and the user"),
	str("preferredLanguage", "The user's preferred written or spoken language"),
	str("locale", "The user's default location, for localizing"),
	str("timezone", "The user's time zone, in the IANA database format"),
	{Name: "active", Type: "boolean", Description: "Whether the user may sign in (false: the user is disabled)"},
	multi("emails", "Email addresses; Roster keeps the primary one (else the first) as the user's email", "work", "home", "other"),
	multi("phoneNumbers", "Phone numbers; Roster keeps the primary one (else the first) as the user's phone", "work", "home", "mobile", "fax", "pager", "other"),
	multi("ims", "Instant messaging addresses"),
	multi("photos", "URLs of photos of the user", "photo", "thumbnail"),
	{Name: "addresses", Type: "complex", Multi: true, Description: "Physical mailing addresses; Roster keeps the primary one (else the first)", Sub: []*attr{
		str("formatted", "The full mailing address"), str("streetAddress", "The street"), str("locality", "The city or locality"),
		str("region", "The state or region"), str("postalCode", "The zip or postal code"), str("country", "The country"),
		{Name: "type", Type: "string", Canonical: []string{"work", "home", "other"}}, {Name: "primary", Type: "boolean"},
	}},
	{Name: "groups", Type: "complex", Multi: true, Mutability: "readOnly", Description: "The groups the user is in; change them through Groups", Sub: []*attr{
		{Name: "value", Type: "string", Mutability: "readOnly"}, {Name: "$ref", Type: "reference", Mutability: "readOnly", RefTypes: []string{"Group"}},
		{Name: "display", Type: "string", Mutability: "readOnly"}, {Name: "type", Type: "string", Mutability: "readOnly", Canonical: []string{"direct", "indirect"}},
	}},
	multi("entitlements", "Entitlements of the user"),
	multi("roles", "Roles of the user (kept as sent; Roster's access comes from grants)"),
	{Name: "x509Certificates", Type: "complex", Multi: true, Description: "Certificates of the user", Sub: []*attr{
		{Name: "value", Type: "binary"}, str("display", ""), str("type", ""), {Name: "primary", Type: "boolean"},
	}},
}}

var enterpriseSchema = &schema{ID: SchemaEnterprise, Name: "EnterpriseUser", Description: "Enterprise User", Attrs: []*attr{
	str("employeeNumber", "The user's number in the organization"),
	str("costCenter", "The cost center"),
	str("organization", "The organization"),
	str("division", "The division"),
	str("department", "The department; when a unit has this name, it becomes the user's department in Roster"),
	{Name: "manager", Type: "complex", Description: "The user's manager (Roster's supervisor)", Sub: []*attr{
		{Name: "value", Type: "string", CaseExact: true, Description: "The id of the manager's SCIM User"},
		{Name: "$ref", Type: "reference", RefTypes: []string{"User"}, Mutability: "readOnly"},
		{Name: "displayName", Type: "string", Mutability: "readOnly"},
	}},
}}

var groupSchema = &schema{ID: SchemaGroup, Name: "Group", Description: "Group", Attrs: []*attr{
	{Name: "displayName", Type: "string", Required: true, Uniqueness: "server", Description: "The group's name, unique in the organization"},
	{Name: "members", Type: "complex", Multi: true, Description: "The members: users", Sub: []*attr{
		{Name: "value", Type: "string", CaseExact: true, Mutability: "immutable", Description: "The id of a member User"},
		{Name: "$ref", Type: "reference", Mutability: "immutable", RefTypes: []string{"User"}},
		{Name: "display", Type: "string", Mutability: "readOnly"},
		{Name: "type", Type: "string", Mutability: "immutable", Canonical: []string{"User"}},
	}},
}}

// resource describes a resource type: its core schema, its extensions and
// the attributes common to all (id, externalId, meta).
type resource struct {
	Name       string
	Endpoint   string
	Core       *schema
	Extensions []*schema
}

var (
	userResource  = &resource{Name: "User", Endpoint: "/Users", Core: userSchema, Extensions: []*schema{enterpriseSchema}}
	groupResource = &resource{Name: "Group", Endpoint: "/Groups", Core: groupSchema}
)

// common are the attributes every resource has.
var common = []*attr{idAttr, externalIDAttr, metaAttr}

// lookup resolves an attribute named in a path or filter: uri is the
// schema URN the name was prefixed with ("" for none). It returns the
// schema the attribute belongs to ("" for the core and common ones) and
// the attribute.
func (r *resource) lookup(uri, name string) (string, *attr) {
	if uri != "" && !strings.EqualFold(uri, r.Core.ID) {
		for _, ext := range r.Extensions {
			if strings.EqualFold(uri, ext.ID) {
				return ext.ID, find(ext.Attrs, name)
			}
		}
		return "", nil
	}
	if a := find(common, name); a != nil {
		return "", a
	}
	return "", find(r.Core.Attrs, name)
}

// extension returns the extension schema with this URN, in any case.
func (r *resource) extension(uri string) *schema {
	for _, ext := range r.Extensions {
		if strings.EqualFold(uri, ext.ID) {
			return ext
		}
	}
	return nil
}
