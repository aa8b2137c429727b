package cloudtrailcc

import (
	"fmt"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/inventory"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/organization"
)

// orgOptions are the connection options of an organization audit; without
// them a connection audits the caller's account only.
type orgOptions struct {
	OrganizationRoleName  string   `hcl:"organization_role_name,optional" json:"organization_role_name,omitempty"`
	OrganizationRoleARN   string   `hcl:"organization_role_arn,optional" json:"organization_role_arn,omitempty"`
	ExternalID            string   `hcl:"external_id,optional" json:"external_id,omitempty"`
	RoleSessionName       string   `hcl:"role_session_name,optional" json:"role_session_name,omitempty"`
	Accounts              []string `hcl:"accounts,optional" json:"accounts,omitempty"`
	ExcludeAccounts       []string `hcl:"exclude_accounts,optional" json:"exclude_accounts,omitempty"`
	MaxConcurrentAccounts *int     `hcl:"max_concurrent_accounts,optional" json:"max_concurrent_accounts,omitempty"`
}

// settings validates the options; the configuration is nil when they ask
// for no organization audit.
func (o orgOptions) settings(inv inventory.Config) (*organization.Config, []error) {
	cfg := organization.Config{Inventory: inv, RoleName: o.OrganizationRoleName, RoleARN: o.OrganizationRoleARN,
		ExternalID: o.ExternalID, SessionName: o.RoleSessionName, Accounts: o.Accounts, ExcludeAccounts: o.ExcludeAccounts}
	var errs []error
	if o.MaxConcurrentAccounts != nil {
		if n := *o.MaxConcurrentAccounts; n < 1 {
			errs = append(errs, fmt.Errorf("max_concurrent_accounts: %d is not allowed; use 1 or more, or leave it out for the default %d", n, organization.DefaultMaxConcurrentAccounts))
		} else {
			cfg.MaxConcurrentAccounts = n
		}
	}
	if err := cfg.Validate(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 || !cfg.Enabled() {
		return nil, errs
	}
	return &cfg, nil
}
