package awsemu

import (
	"errors"
	"fmt"
	"slices"
)

// Role is an IAM role that STS AssumeRole can assume: the account it lives
// in, its name and its trust policy reduced to what the emulator checks (the
// accounts whose principals may assume it and an optional sts:ExternalId
// condition).
type Role struct {
	AccountID         string   `json:"account_id"`
	RoleName          string   `json:"role_name"`
	TrustedAccountIDs []string `json:"trusted_account_ids"`
	ExternalID        string   `json:"external_id,omitempty"`
}

// ARN is the role's ARN.
func (r *Role) ARN() string { return roleARN(r.AccountID, r.RoleName) }

// trusts reports whether a principal of account may assume the role with
// the given external id.
func (r *Role) trusts(account, externalID string) bool {
	return slices.Contains(r.TrustedAccountIDs, account) && (r.ExternalID == "" || r.ExternalID == externalID)
}

func roleARN(account, name string) string { return "arn:aws:iam::" + account + ":role/" + name }

func roleKey(account, name string) string { return account + "|" + name }

// role returns the role named name in account, or nil. State must be locked.
func (st *state) role(account, name string) *Role { return st.roles[roleKey(account, name)] }

// putRole creates or replaces a role. State must be locked.
func (st *state) putRole(r *Role) { st.roles[roleKey(r.AccountID, r.RoleName)] = r }

// AddRole creates (or replaces) a role that AssumeRole can assume.
func (s *Server) AddRole(r Role) error {
	if len(r.AccountID) != 12 || r.RoleName == "" {
		return errors.New("awsemu: role needs a 12-digit account_id and a role_name")
	}
	for _, a := range r.TrustedAccountIDs {
		if len(a) != 12 {
			return fmt.Errorf("awsemu: trusted account id %q is not 12 digits", a)
		}
	}
	r.TrustedAccountIDs = slices.Clone(r.TrustedAccountIDs)
	s.st.lock(func() { s.st.putRole(&r) })
	return nil
}
