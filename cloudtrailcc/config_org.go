package cloudtrailcc

import (
	"fmt"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/inventory"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/organization"
)

// organization validates the organization options; the configuration is
// nil when they ask for no organization audit (the connection then audits
// the caller's account only).
func (o connectionConfig) organization(inv inventory.Config) (*organization.Config, []error) {
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
