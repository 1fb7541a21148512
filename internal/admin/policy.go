package admin

import (
	"context"

	"roster/internal/directory"
	"roster/internal/store"
)

// SecurityPolicy returns the organization's sign-in and credential policy.
// Anyone signed in may read it: it says which password rules apply to them.
func (s *Service) SecurityPolicy(ctx context.Context, a *Actor) (directory.SecurityPolicy, error) {
	if err := signedIn(a); err != nil {
		return directory.SecurityPolicy{}, err
	}
	org, err := s.db.Organization(ctx, a.OrgID)
	if err != nil {
		return directory.SecurityPolicy{}, err
	}
	return org.Policy, nil
}

// UpdateSecurityPolicy replaces the organization's policy (settings.manage,
// organization-wide). Out-of-range values are KindInvalid, field by field.
// Existing sessions keep their absolute end; the idle timeout applies at
// once.
func (s *Service) UpdateSecurityPolicy(ctx context.Context, a *Actor, p directory.SecurityPolicy) (directory.SecurityPolicy, error) {
	if err := s.manageSettings(a); err != nil {
		return directory.SecurityPolicy{}, err
	}
	var v directory.Validation
	p.Validate(&v)
	if err := v.Err(); err != nil {
		return directory.SecurityPolicy{}, err
	}
	err := s.inTx(ctx, func(tx *store.Tx) error {
		org, err := tx.Organization(ctx, a.OrgID)
		if err != nil {
			return err
		}
		before := org.Policy
		org.Policy, org.UpdatedAt = p, s.now()
		if err := tx.UpdateOrganization(ctx, org); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "settings.security", "organization", org.ID, org.Name, diff(policyMap(before), policyMap(p)))
	})
	return p, err
}

func policyMap(p directory.SecurityPolicy) map[string]any {
	return map[string]any{
		"session_idle_minutes": p.SessionIdleMinutes, "session_lifetime_hours": p.SessionLifetimeHours,
		"lockout_threshold": p.LockoutThreshold, "auto_unlock_minutes": p.AutoUnlockMinutes,
		"password_min_length": p.PasswordMinLength, "password_min_length_mfa": p.PasswordMinLengthMFA,
		"require_upper": p.RequireUpper, "require_lower": p.RequireLower, "require_digit": p.RequireDigit,
		"require_symbol": p.RequireSymbol, "mfa_required": p.MFARequired, "security_questions": p.SecurityQuestions,
		"impersonation_disabled": p.ImpersonationDisabled, "impersonation_notice": p.ImpersonationNotice, "impersonation_minutes": p.ImpersonationMinutes,
		"reset_link_minutes": p.ResetLinkMinutes, "invitation_hours": p.InvitationHours,
		"recycle_bin_days": p.RecycleBinDays,
	}
}
