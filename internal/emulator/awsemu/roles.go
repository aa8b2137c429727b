package awsemu

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Role is an IAM role: the account it lives in, its name and its trust
// policy reduced to what the emulator checks when STS AssumeRole is called
// (the accounts whose principals may assume it and an optional
// sts:ExternalId condition). Roles come from the control endpoint (AddRole)
// or from IAM CreateRole; both kinds are the same roles to IAM and STS.
type Role struct {
	AccountID         string   `json:"account_id"`
	RoleName          string   `json:"role_name"`
	TrustedAccountIDs []string `json:"trusted_account_ids"`
	ExternalID        string   `json:"external_id,omitempty"`

	// What only IAM shows. trustPolicy is the document CreateRole was
	// given; "" for a role from AddRole, whose document is generated from
	// TrustedAccountIDs and ExternalID.
	path, id, description, trustPolicy string
	created                            time.Time
	policies                           map[string]string // inline policy name -> document
}

// ARN is the role's ARN.
func (r *Role) ARN() string {
	return "arn:aws:iam::" + r.AccountID + ":role" + r.rolePath() + r.RoleName
}

func (r *Role) rolePath() string {
	if r.path == "" {
		return "/"
	}
	return r.path
}

// trusts reports whether a principal of account may assume the role with
// the given external id.
func (r *Role) trusts(account, externalID string) bool {
	return (slices.Contains(r.TrustedAccountIDs, account) || slices.Contains(r.TrustedAccountIDs, "*")) &&
		(r.ExternalID == "" || r.ExternalID == externalID)
}

// assumeRolePolicy is the role's trust policy document.
func (r *Role) assumeRolePolicy() string {
	if r.trustPolicy != "" {
		return r.trustPolicy
	}
	principals := make([]string, 0, len(r.TrustedAccountIDs))
	for _, a := range r.TrustedAccountIDs {
		principals = append(principals, "arn:aws:iam::"+a+":root")
	}
	st := map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": principals}, "Action": "sts:AssumeRole"}
	if r.ExternalID != "" {
		st["Condition"] = map[string]any{"StringEquals": map[string]string{"sts:ExternalId": r.ExternalID}}
	}
	b, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{st}})
	return string(b)
}

func roleARN(account, name string) string { return "arn:aws:iam::" + account + ":role/" + name }

func roleKey(account, name string) string { return account + "|" + name }

// role returns the role named name in account, or nil. State must be locked.
func (st *state) role(account, name string) *Role { return st.roles[roleKey(account, name)] }

// putRole creates or replaces a role, filling in what IAM shows. State must
// be locked.
func (st *state) putRole(r *Role, now time.Time) {
	if r.id == "" {
		r.id = "AROA" + strings.ToUpper(shortHash(r.AccountID+"/"+r.RoleName, 17))
	}
	if r.created.IsZero() {
		r.created = now.UTC()
	}
	if r.policies == nil {
		r.policies = map[string]string{}
	}
	st.roles[roleKey(r.AccountID, r.RoleName)] = r
}

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
	s.st.lock(func() { s.st.putRole(&r, time.Now()) })
	return nil
}

// trustOf reduces a trust policy document to the accounts it lets assume
// the role and its sts:ExternalId condition. Allow statements whose action
// covers sts:AssumeRole count; an AWS principal trusts its account (an
// account id, the account's root or any IAM ARN of the account; "*" trusts
// every account); service principals are kept by IAM but not needed by STS.
// Deny statements and other conditions are not evaluated.
func trustOf(doc string) (accounts []string, externalID string, aerr *apiError) {
	if !json.Valid([]byte(doc)) {
		return nil, "", malformedPolicy("This policy contains invalid Json")
	}
	stmts, err := policyStatements[trustStatement]([]byte(doc))
	if err != nil || len(stmts) == 0 {
		return nil, "", malformedPolicy("Syntax errors in policy.")
	}
	for _, st := range stmts {
		if st.Effect != "Allow" || !coversAssumeRole(st.Action) {
			continue
		}
		for _, pr := range st.Principal.AWS {
			acct := pr
			if a, ok := parseARN(pr); ok && a.Service == "iam" {
				acct = a.Account
			}
			if acct != "*" && len(acct) != 12 {
				return nil, "", malformedPolicy("Invalid principal in policy: \"AWS\":\"" + pr + "\"")
			}
			if !slices.Contains(accounts, acct) {
				accounts = append(accounts, acct)
			}
		}
		for op, cond := range st.Condition {
			if op != "StringEquals" {
				continue
			}
			for k, v := range cond {
				if strings.EqualFold(k, "sts:ExternalId") && len(v) > 0 {
					externalID = v[0]
				}
			}
		}
	}
	return accounts, externalID, nil
}

func malformedPolicy(msg string) *apiError { return newErr("MalformedPolicyDocument", msg) }

// trustStatement is one statement of a trust policy, as far as it is read.
type trustStatement struct {
	Effect    string
	Action    oneOrMany
	Principal trustPrincipal
	Condition map[string]map[string]oneOrMany
}

// trustPrincipal is a statement's Principal: "*" or {"AWS": ..., "Service": ...}.
type trustPrincipal struct {
	AWS, Service oneOrMany
}

func (p *trustPrincipal) UnmarshalJSON(b []byte) error {
	var star string
	if json.Unmarshal(b, &star) == nil {
		if star != "*" {
			return errors.New("invalid principal")
		}
		p.AWS = oneOrMany{"*"}
		return nil
	}
	var m struct{ AWS, Service oneOrMany }
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	p.AWS, p.Service = m.AWS, m.Service
	return nil
}

func coversAssumeRole(actions []string) bool {
	for _, a := range actions {
		switch strings.ToLower(a) {
		case "sts:assumerole", "sts:*", "*":
			return true
		}
	}
	return false
}
