package organization

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/inventory"
)

// Defaults of the organization options.
const (
	// DefaultSessionName is the RoleSessionName of every AssumeRole.
	DefaultSessionName = "cloudtrailcc"
	// DefaultMaxConcurrentAccounts bounds the accounts read at once.
	DefaultMaxConcurrentAccounts = 16
	// AllAccounts in Accounts means every ACTIVE account of the organization.
	AllAccounts = "*"
	// AccountIDPlaceholder is replaced by each account id in RoleARN.
	AccountIDPlaceholder = "{account_id}"
)

// Config says which accounts of an organization to audit and how to reach
// them. Field names in Validate's errors are the connection-config names.
type Config struct {
	// Inventory is the configuration of the caller's own account; member
	// accounts are read with the same options and their role's credentials.
	Inventory inventory.Config
	// RoleName is the role assumed in each member account
	// (arn:PARTITION:iam::ACCOUNT:role/NAME); RoleARN a template with
	// {account_id} instead. Exactly one must be set.
	RoleName, RoleARN string
	// ExternalID is passed to AssumeRole when set.
	ExternalID string
	// SessionName is AssumeRole's RoleSessionName (default "cloudtrailcc").
	SessionName string
	// Accounts are the account ids to audit; ["*"] (the default) means every
	// ACTIVE account of the organization (organizations:ListAccounts).
	Accounts []string
	// ExcludeAccounts are left out.
	ExcludeAccounts []string
	// MaxConcurrentAccounts bounds the accounts read at once (default 16).
	MaxConcurrentAccounts int
}

var (
	accountIDPattern   = regexp.MustCompile(`^[0-9]{12}$`)
	sessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
	roleNamePattern    = regexp.MustCompile(`^[\w+=,.@/-]{1,512}$`)
)

// Validate checks the organization options; the error names each bad field
// and what it accepts.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch {
	case c.RoleName != "" && c.RoleARN != "":
		bad("organization_role_name and organization_role_arn: set one, not both")
	case c.RoleName != "" && !roleNamePattern.MatchString(c.RoleName):
		bad("organization_role_name: %q is not a role name (letters, digits and +=,.@_-/)", c.RoleName)
	case c.RoleARN != "" && !strings.Contains(c.RoleARN, AccountIDPlaceholder):
		bad("organization_role_arn: %q has no %s placeholder; use e.g. \"arn:aws:iam::%s:role/Audit\"", c.RoleARN, AccountIDPlaceholder, AccountIDPlaceholder)
	case c.RoleARN != "" && !strings.HasPrefix(c.RoleARN, "arn:"):
		bad("organization_role_arn: %q is not a role ARN template such as \"arn:aws:iam::%s:role/Audit\"", c.RoleARN, AccountIDPlaceholder)
	}
	if c.RoleName == "" && c.RoleARN == "" {
		for _, o := range []struct {
			name string
			set  bool
		}{
			{"accounts", c.Accounts != nil}, {"exclude_accounts", c.ExcludeAccounts != nil},
			{"external_id", c.ExternalID != ""}, {"role_session_name", c.SessionName != ""},
			{"max_concurrent_accounts", c.MaxConcurrentAccounts != 0},
		} {
			if o.set {
				bad("%s: needs organization_role_name or organization_role_arn (the role to assume in each account)", o.name)
			}
		}
	}
	if c.SessionName != "" && !sessionNamePattern.MatchString(c.SessionName) {
		bad("role_session_name: %q must be 2 to 64 letters, digits or +=,.@_-", c.SessionName)
	}
	if c.Accounts != nil && len(c.Accounts) == 0 {
		bad("accounts: must not be empty; use [\"*\"] for every account of the organization, or account ids")
	}
	checkIDs := func(name string, ids []string, star bool) {
		for i, id := range ids {
			if id == AllAccounts && star && len(ids) == 1 {
				continue
			}
			if !accountIDPattern.MatchString(id) {
				hint := "a 12-digit account id"
				if star {
					hint += `, or ["*"] alone for every account of the organization`
				}
				bad("%s[%d]: %q is not %s", name, i, id, hint)
			}
		}
	}
	checkIDs("accounts", c.Accounts, true)
	checkIDs("exclude_accounts", c.ExcludeAccounts, false)
	if c.MaxConcurrentAccounts < 0 {
		bad("max_concurrent_accounts: %d is not allowed; use 1 or more, or leave it out for the default %d", c.MaxConcurrentAccounts, DefaultMaxConcurrentAccounts)
	}
	return errors.Join(errs...)
}

// Enabled reports whether the options ask for an organization audit.
func (c Config) Enabled() bool { return c.RoleName != "" || c.RoleARN != "" }

// listsAll reports whether the accounts come from ListAccounts.
func (c Config) listsAll() bool {
	return len(c.Accounts) == 0 || slices.Equal(c.Accounts, []string{AllAccounts})
}

// roleARN is the role to assume in account.
func (c Config) roleARN(partition, account string) string {
	if c.RoleARN != "" {
		return strings.ReplaceAll(c.RoleARN, AccountIDPlaceholder, account)
	}
	return "arn:" + partition + ":iam::" + account + ":role/" + c.RoleName
}

// withDefaults fills the defaults.
func (c Config) withDefaults() Config {
	if c.SessionName == "" {
		c.SessionName = DefaultSessionName
	}
	if c.MaxConcurrentAccounts == 0 {
		c.MaxConcurrentAccounts = DefaultMaxConcurrentAccounts
	}
	return c
}
