package rest

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
)

// AddressJSON is a postal address on the wire.
type AddressJSON struct {
	Street     string `json:"street" maxLength:"200"`
	Locality   string `json:"locality" maxLength:"200"`
	Region     string `json:"region" maxLength:"200"`
	PostalCode string `json:"postal_code" maxLength:"20"`
	Country    string `json:"country" maxLength:"100"`
}

// UserJSON is a user as the API shows it. Secrets never appear.
type UserJSON struct {
	ID                 string            `json:"id"`
	Username           string            `json:"username"`
	Email              string            `json:"email"`
	FirstName          string            `json:"first_name"`
	LastName           string            `json:"last_name"`
	DisplayName        string            `json:"display_name"`
	Name               string            `json:"name" doc:"How the user is shown: the display name, or first and last name"`
	Phone              string            `json:"phone"`
	JobTitle           string            `json:"job_title"`
	Position           string            `json:"position"`
	ExternalID         string            `json:"external_id" doc:"The organization's own code for the user (user code)"`
	Address            AddressJSON       `json:"address"`
	SupervisorID       *string           `json:"supervisor_id"`
	DepartmentID       *string           `json:"department_id"`
	LocationID         *string           `json:"location_id"`
	License            string            `json:"license" enum:"standard,premium"`
	ExpiresAt          *time.Time        `json:"expires_at" doc:"When the account itself expires"`
	Status             string            `json:"status" enum:"pending,active,inactive"`
	Locked             bool              `json:"locked"`
	LockedAt           *time.Time        `json:"locked_at"`
	LockReason         string            `json:"lock_reason"`
	Expired            bool              `json:"expired" doc:"The account's expiry date has passed, or every one of the user's grants has ended"`
	HasPassword        bool              `json:"has_password"`
	MustChangePassword bool              `json:"must_change_password"`
	PasswordChangedAt  *time.Time        `json:"password_changed_at,omitempty" doc:"When the password was last set; absent when never"`
	MFARequired        bool              `json:"mfa_required" doc:"MFA is required of this user by their own setting (POST /users/{id}/require-mfa); a role or the organization may require it too"`
	MFAEnrolled        bool              `json:"mfa_enrolled" doc:"The user has set up an authenticator app"`
	HasSignedIn        bool              `json:"has_signed_in"`
	LastSignInAt       *time.Time        `json:"last_sign_in_at"`
	Deleted            bool              `json:"deleted" doc:"The user is in the recycle bin"`
	DeletedAt          *time.Time        `json:"deleted_at"`
	CustomFields       map[string]string `json:"custom_fields" doc:"Custom field values by field key, in canonical text form"`
	CreatedAt          time.Time         `json:"created_at"`
	UpdatedAt          time.Time         `json:"updated_at"`
	Version            int64             `json:"version" doc:"Changes on every write; the ETag carries it"`
	Invitation         *InvitationJSON   `json:"invitation,omitempty" doc:"The state of the user's invitation: always present for pending users; for others only once they accepted one"`
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func userJSON(u *directory.User, now time.Time) *UserJSON {
	cf := u.CustomFields
	if cf == nil {
		cf = map[string]string{}
	}
	return &UserJSON{
		ID: u.ID, Username: u.Username, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName,
		DisplayName: u.DisplayName, Name: u.Name(), Phone: u.Phone, JobTitle: u.JobTitle, Position: u.Position,
		ExternalID: u.ExternalID, Address: AddressJSON(u.Address), SupervisorID: optString(u.SupervisorID),
		DepartmentID: optString(u.DepartmentID), LocationID: optString(u.LocationID), License: string(u.License),
		ExpiresAt: optTime(u.ExpiresAt), Status: string(u.Status), Locked: u.Locked(), LockedAt: optTime(u.LockedAt),
		LockReason: u.LockReason, Expired: u.Expired(now), HasPassword: u.HasPassword,
		MustChangePassword: u.MustChangePassword, PasswordChangedAt: optTime(u.PasswordChangedAt), MFARequired: u.MFARequired,
		MFAEnrolled: !u.MFAEnrolledAt.IsZero(), HasSignedIn: u.HasSignedIn(), LastSignInAt: optTime(u.LastSignInAt),
		Deleted: u.Deleted(), DeletedAt: optTime(u.DeletedAt), CustomFields: cf,
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt, Version: u.Version, Invitation: invitationJSON(u.Invitation),
	}
}

// customFieldValues accepts custom field values as strings, numbers or
// booleans and hands them to admin as text; admin validates them.
func customFieldValues(in map[string]any) (map[string]string, *Problem) {
	if in == nil {
		return nil, nil
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		switch x := v.(type) {
		case nil:
			out[k] = ""
		case string:
			out[k] = x
		case bool:
			out[k] = strconv.FormatBool(x)
		case float64:
			out[k] = strconv.FormatFloat(x, 'f', -1, 64)
		default:
			return nil, invalid("body.custom_fields."+k, "must be a string, a number, a boolean or null")
		}
	}
	return out, nil
}

// UserCreateBody is the body of POST /users. Only first_name, last_name and
// either username or email are needed (a quick add); the username is
// derived from the email when absent.
type UserCreateBody struct {
	Username     string         `json:"username,omitempty" maxLength:"100" doc:"Derived from the email when absent"`
	Email        string         `json:"email,omitempty" maxLength:"254"`
	FirstName    string         `json:"first_name,omitempty" maxLength:"100"`
	LastName     string         `json:"last_name,omitempty" maxLength:"100"`
	DisplayName  string         `json:"display_name,omitempty" maxLength:"200"`
	Phone        string         `json:"phone,omitempty" maxLength:"50"`
	JobTitle     string         `json:"job_title,omitempty" maxLength:"200"`
	Position     string         `json:"position,omitempty" maxLength:"200"`
	ExternalID   string         `json:"external_id,omitempty" maxLength:"200"`
	Address      *AddressJSON   `json:"address,omitempty"`
	SupervisorID string         `json:"supervisor_id,omitempty"`
	DepartmentID string         `json:"department_id,omitempty"`
	LocationID   string         `json:"location_id,omitempty"`
	License      string         `json:"license,omitempty" enum:"standard,premium"`
	ExpiresAt    *time.Time     `json:"expires_at,omitempty"`
	CustomFields map[string]any `json:"custom_fields,omitempty"`
	// SendInvitation is a pointer so that absent means the default.
	SendInvitation *bool `json:"send_invitation,omitempty" doc:"Mail the new user an invitation link; default true when the user has an email and the caller holds users.invite"`
}

// UserPatchBody is the body of PATCH /users/{id}: absent (or null) fields
// stay, empty strings clear. Email, status, lock and deletion have their
// own actions and are refused here.
type UserPatchBody struct {
	Username     *string        `json:"username,omitempty" maxLength:"100"`
	FirstName    *string        `json:"first_name,omitempty" maxLength:"100"`
	LastName     *string        `json:"last_name,omitempty" maxLength:"100"`
	DisplayName  *string        `json:"display_name,omitempty" maxLength:"200"`
	Phone        *string        `json:"phone,omitempty" maxLength:"50"`
	JobTitle     *string        `json:"job_title,omitempty" maxLength:"200"`
	Position     *string        `json:"position,omitempty" maxLength:"200"`
	ExternalID   *string        `json:"external_id,omitempty" maxLength:"200"`
	Address      *AddressJSON   `json:"address,omitempty"`
	SupervisorID *string        `json:"supervisor_id,omitempty"`
	DepartmentID *string        `json:"department_id,omitempty"`
	LocationID   *string        `json:"location_id,omitempty"`
	License      *string        `json:"license,omitempty" enum:"standard,premium"`
	ExpiresAt    *string        `json:"expires_at,omitempty" doc:"RFC 3339 date-time; empty string clears"`
	CustomFields map[string]any `json:"custom_fields,omitempty" doc:"Only the keys given change; null or empty clears a value"`
}

type userOutput struct {
	ETag     string `header:"ETag"`
	Location string `header:"Location"`
	Body     *UserJSON
}

type userIDInput struct {
	ID string `path:"id" doc:"The user's id"`
}

// UserWriteInput names the user a write is about and the version it expects.
// It is exported because huma only reads parameters of exported embedded
// structs.
type UserWriteInput struct {
	ID      string `path:"id" doc:"The user's id"`
	IfMatch string `header:"If-Match" doc:"The ETag last read; a stale one answers 412"`
}

// UserListJSON is a page of users.
type UserListJSON struct {
	Items      []*UserJSON `json:"items"`
	NextCursor string      `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page; absent on the last page"`
	Total      int         `json:"total" doc:"How many users match, over all pages"`
}

type userListInput struct {
	Q              string `query:"q" maxLength:"200" doc:"Words that must each start a word of the name, username, email or external id"`
	Status         string `query:"status" doc:"pending, active or inactive; several separated by commas"`
	Locked         string `query:"locked" enum:"true,false," doc:"Only locked (true) or unlocked (false) accounts"`
	Expired        string `query:"expired" enum:"true,false," doc:"Only expired (true) or unexpired (false) accounts"`
	Deleted        bool   `query:"deleted" doc:"List the recycle bin instead of the live users"`
	AtVacation     string `query:"at_vacation" enum:"true,false," doc:"Users away today (any time off covering today)"`
	DepartmentID   string `query:"department_id"`
	LocationID     string `query:"location_id"`
	SupervisorID   string `query:"supervisor_id"`
	GroupID        string `query:"group_id" doc:"Members of this group"`
	RoleID         string `query:"role_id" doc:"Holders of a grant of this role"`
	UnitID         string `query:"unit_id" doc:"Holders of a grant on this unit or a unit below it"`
	Invitation     string `query:"invitation" enum:"sent,expired,never," doc:"Pending users whose invitation works (sent), was sent but no longer works (expired), or was never sent (never)"`
	License        string `query:"license" enum:"standard,premium,"`
	Field          string `query:"field" doc:"A custom field key; with field_value, users holding that value"`
	FieldValue     string `query:"field_value"`
	CreatedFrom    string `query:"created_from" doc:"RFC 3339; inclusive"`
	CreatedTo      string `query:"created_to" doc:"RFC 3339; exclusive"`
	LastSignInFrom string `query:"last_sign_in_from" doc:"RFC 3339; inclusive"`
	LastSignInTo   string `query:"last_sign_in_to" doc:"RFC 3339; exclusive"`
	Sort           string `query:"sort" enum:"username,first_name,last_name,email,status,created_at,last_sign_in_at," doc:"Default last_name"`
	Order          string `query:"order" enum:"asc,desc," doc:"Default asc"`
	Limit          int    `query:"limit" minimum:"1" maximum:"500" default:"50"`
	Cursor         string `query:"cursor" doc:"The next_cursor of the previous page"`
}

// userCursor is what an opaque users cursor holds: the position and the
// order it belongs to.
type userCursor struct {
	Sort string        `json:"s"`
	Desc bool          `json:"d"`
	At   *store.Cursor `json:"c"`
}

func (h *Handler) registerUsers(maxBody int64) {
	tags := []string{"Users"}
	huma.Register(h.api, huma.Operation{OperationID: "create-user", Method: http.MethodPost, Path: Prefix + "/users",
		Summary: "Add a user", Tags: tags, DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody,
		Description: "Adds a pending user. Give first_name, last_name and an email (the username is then derived) or a username. " +
			"A taken username or email answers 409 with existing_user naming who holds it."},
		func(ctx context.Context, in *struct{ Body UserCreateBody }) (*userOutput, error) {
			b := in.Body
			cf, p := customFieldValues(b.CustomFields)
			if p != nil {
				return nil, p
			}
			ui := &admin.UserInput{Profile: directory.Profile{
				Username: b.Username, Email: b.Email, FirstName: b.FirstName, LastName: b.LastName,
				DisplayName: b.DisplayName, Phone: b.Phone, JobTitle: b.JobTitle, Position: b.Position,
				ExternalID: b.ExternalID, SupervisorID: b.SupervisorID, DepartmentID: b.DepartmentID,
				LocationID: b.LocationID, License: directory.License(b.License), CustomFields: cf}, Invite: b.SendInvitation}
			if b.Address != nil {
				ui.Address = directory.Address(*b.Address)
			}
			if b.ExpiresAt != nil {
				ui.ExpiresAt = b.ExpiresAt.UTC().Truncate(time.Microsecond)
			}
			u, err := h.svc.CreateUser(ctx, actorOf(ctx), ui)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &userOutput{ETag: etag(u.Version), Location: Prefix + "/users/" + u.ID, Body: userJSON(u, h.svc.Now())}, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "list-users", Method: http.MethodGet, Path: Prefix + "/users",
		Summary: "List users", Tags: tags,
		Description: "Searches, filters, sorts and pages through users with an opaque keyset cursor."},
		func(ctx context.Context, in *userListInput) (*struct{ Body UserListJSON }, error) {
			f, p := userFilter(in)
			if p != nil {
				return nil, p
			}
			page, err := h.svc.ListUsers(ctx, actorOf(ctx), f)
			if err != nil {
				return nil, h.failIn(ctx, err, "query")
			}
			out := &struct{ Body UserListJSON }{}
			out.Body.Items = make([]*UserJSON, 0, len(page.Users))
			now := h.svc.Now()
			for _, u := range page.Users {
				out.Body.Items = append(out.Body.Items, userJSON(u, now))
			}
			out.Body.Total = page.Total
			if page.Next != nil {
				out.Body.NextCursor = encodeCursor(userCursor{Sort: string(f.Sort), Desc: f.Desc, At: page.Next})
			}
			return out, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "get-user", Method: http.MethodGet, Path: Prefix + "/users/{id}",
		Summary: "Get a user", Tags: tags},
		func(ctx context.Context, in *userIDInput) (*userOutput, error) {
			u, err := h.svc.User(ctx, actorOf(ctx), in.ID)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &userOutput{ETag: etag(u.Version), Body: userJSON(u, h.svc.Now())}, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "update-user", Method: http.MethodPatch, Path: Prefix + "/users/{id}",
		Summary: "Edit a user's profile", Tags: tags, MaxBodyBytes: maxBody,
		Description: "Changes only the fields given. The email changes through POST /users/{id}/email; status, lock and deletion through their actions."},
		func(ctx context.Context, in *struct {
			UserWriteInput
			Body UserPatchBody
		}) (*userOutput, error) {
			b := in.Body
			cf, p := customFieldValues(b.CustomFields)
			if p != nil {
				return nil, p
			}
			patch := &admin.UserPatch{Username: b.Username, FirstName: b.FirstName, LastName: b.LastName,
				DisplayName: b.DisplayName, Phone: b.Phone, JobTitle: b.JobTitle, Position: b.Position,
				ExternalID: b.ExternalID, SupervisorID: b.SupervisorID, DepartmentID: b.DepartmentID,
				LocationID: b.LocationID, ExpiresAt: b.ExpiresAt, CustomFields: cf}
			if b.Address != nil {
				a := directory.Address(*b.Address)
				patch.Address = &a
			}
			if b.License != nil {
				l := directory.License(*b.License)
				patch.License = &l
			}
			u, err := h.svc.UpdateUser(ctx, actorOf(ctx), in.ID, ifMatch(in.IfMatch), patch)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &userOutput{ETag: etag(u.Version), Body: userJSON(u, h.svc.Now())}, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "delete-user", Method: http.MethodDelete, Path: Prefix + "/users/{id}",
		Summary: "Move a user to the recycle bin", Tags: tags,
		Description: "Only users who have never signed in can be deleted; others answer 409 and should be disabled instead. " +
			"Restore with POST /users/{id}/restore, remove for good with POST /users/{id}/purge."},
		func(ctx context.Context, in *UserWriteInput) (*userOutput, error) {
			u, err := h.svc.Delete(ctx, actorOf(ctx), in.ID, ifMatch(in.IfMatch))
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &userOutput{ETag: etag(u.Version), Body: userJSON(u, h.svc.Now())}, nil
		})

	type action func(context.Context, *admin.Actor, string, int64) (*directory.User, error)
	for _, a := range []struct {
		verb, summary, desc string
		fn                  action
	}{
		{"disable", "Disable a user", "Makes a pending or active user inactive.", h.svc.Disable},
		{"enable", "Enable a user", "Makes an inactive user active again (pending if they never set a password).", h.svc.Enable},
		{"restore", "Restore a user from the recycle bin", "Brings the user back with everything they had.", h.svc.Restore},
		{"unlock", "Unlock a locked account", "Clears the lock and the count of failed sign-ins.", h.svc.Unlock},
	} {
		fn := a.fn
		huma.Register(h.api, huma.Operation{OperationID: a.verb + "-user", Method: http.MethodPost,
			Path: Prefix + "/users/{id}/" + a.verb, Summary: a.summary, Description: a.desc, Tags: tags},
			func(ctx context.Context, in *UserWriteInput) (*userOutput, error) {
				u, err := fn(ctx, actorOf(ctx), in.ID, ifMatch(in.IfMatch))
				if err != nil {
					return nil, h.fail(ctx, err)
				}
				return &userOutput{ETag: etag(u.Version), Body: userJSON(u, h.svc.Now())}, nil
			})
	}

	huma.Register(h.api, huma.Operation{OperationID: "purge-user", Method: http.MethodPost, Path: Prefix + "/users/{id}/purge",
		Summary: "Remove a user in the recycle bin for good", Tags: tags, DefaultStatus: http.StatusNoContent,
		Description: "Removes the user with their grants, tokens, time off, photo and custom field values. The audit log keeps its record."},
		func(ctx context.Context, in *UserWriteInput) (*struct{}, error) {
			if err := h.svc.Purge(ctx, actorOf(ctx), in.ID, ifMatch(in.IfMatch)); err != nil {
				return nil, h.fail(ctx, err)
			}
			return nil, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "change-user-email", Method: http.MethodPost, Path: Prefix + "/users/{id}/email",
		Summary: "Change a user's email", Tags: tags, MaxBodyBytes: maxBody,
		Description: "The email changes only through this audited action."},
		func(ctx context.Context, in *struct {
			UserWriteInput
			Body struct {
				Email string `json:"email" maxLength:"254"`
			}
		}) (*userOutput, error) {
			u, err := h.svc.ChangeEmail(ctx, actorOf(ctx), in.ID, ifMatch(in.IfMatch), in.Body.Email)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &userOutput{ETag: etag(u.Version), Body: userJSON(u, h.svc.Now())}, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "get-me", Method: http.MethodGet, Path: Prefix + "/me",
		Summary: "The user the token acts for", Tags: []string{"Me"}},
		func(ctx context.Context, _ *struct{}) (*userOutput, error) {
			u, err := h.svc.Me(ctx, actorOf(ctx))
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &userOutput{ETag: etag(u.Version), Body: userJSON(u, h.svc.Now())}, nil
		})
}

func parseTimeParam(name, s string) (time.Time, *Problem) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, invalid("query."+name, "must be a date-time like 2026-01-31T00:00:00Z")
	}
	return t, nil
}

func userFilter(in *userListInput) (store.UserFilter, *Problem) {
	f := store.UserFilter{Q: strings.TrimSpace(in.Q), Deleted: in.Deleted, DepartmentID: in.DepartmentID,
		LocationID: in.LocationID, SupervisorID: in.SupervisorID, GroupID: in.GroupID, RoleID: in.RoleID, UnitID: in.UnitID, License: directory.License(in.License),
		Invitation: in.Invitation,
		FieldValue: in.FieldValue, Sort: store.UserSort(in.Sort), Desc: in.Order == "desc", Limit: in.Limit}
	if f.Sort == "" {
		f.Sort = store.SortLastName
	}
	if in.Field != "" {
		f.FieldID = in.Field
	} else if in.FieldValue != "" {
		return f, invalid("query.field", "field_value needs field")
	}
	if in.Status != "" {
		for _, s := range strings.Split(in.Status, ",") {
			st := directory.Status(strings.TrimSpace(s))
			if !st.Valid() {
				return f, invalid("query.status", "must be pending, active or inactive (several separated by commas)")
			}
			f.Statuses = append(f.Statuses, st)
		}
	}
	var p *Problem
	if f.Locked, p = triState("locked", in.Locked); p != nil {
		return f, p
	}
	if f.Expired, p = triState("expired", in.Expired); p != nil {
		return f, p
	}
	if f.AtVacation, p = triState("at_vacation", in.AtVacation); p != nil {
		return f, p
	}
	for _, r := range []struct {
		name string
		raw  string
		dst  *time.Time
	}{
		{"created_from", in.CreatedFrom, &f.CreatedFrom}, {"created_to", in.CreatedTo, &f.CreatedTo},
		{"last_sign_in_from", in.LastSignInFrom, &f.LastSignInFrom}, {"last_sign_in_to", in.LastSignInTo, &f.LastSignInTo},
	} {
		if *r.dst, p = parseTimeParam(r.name, r.raw); p != nil {
			return f, p
		}
	}
	if in.Cursor != "" {
		var c userCursor
		if err := decodeCursor(in.Cursor, &c); err != nil || c.At == nil {
			return f, invalid("query.cursor", "is not a cursor this API gave out")
		}
		if c.Sort != string(f.Sort) || c.Desc != f.Desc {
			return f, invalid("query.cursor", fmt.Sprintf("belongs to another order (sort=%s); keep sort and order while paging", c.Sort))
		}
		f.After = c.At
	}
	return f, nil
}
