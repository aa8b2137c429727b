// Package options is the table of a cloudtrailcc connection config's
// arguments: for each its name in a .spc file, its CLI flag, its type, its
// default and range, and what it does. It is the one place these are
// written: the plugin checks numbers against it, the CLI makes its flags
// and their help from it, and it renders the README's configuration table,
// the configuration example of docs/index.md and the sample
// config/cloudtrailcc.spc (see Sync; docs/genoptions writes them, a docs
// test keeps them equal). Adding an argument is one entry in table (and its
// field in the plugin's connectionConfig).
package options

import (
	"fmt"
	"strings"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/inventory"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/organization"
)

// Kind is the HCL type of an argument.
type Kind string

// The kinds of arguments.
const (
	// String is a text value.
	String Kind = "string"
	// Path is a file or directory name (the CLI makes it absolute).
	Path Kind = "path"
	// Int is a whole number, in Unit.
	Int Kind = "int"
	// List is a list of strings (the CLI flag is repeatable and splits
	// commas, unless the option is Whole).
	List Kind = "list"
	// Bool is true or false.
	Bool Kind = "bool"
)

// Option is one argument of the connection config.
type Option struct {
	// Name is the argument's name in a .spc connection block.
	Name string
	// Flag is the CLI flag setting it ("" when the CLI has none).
	Flag string
	// Kind is its type.
	Kind Kind
	// Default is the default as HCL ("" when unset means off, or the AWS
	// SDK's chain decides). Int options take theirs from the range.
	Default string
	// Example is a value for the sample config, as HCL.
	Example string
	// Doc says what the argument does, without its range or default.
	Doc string
	// Min and Max bound an Int argument (Max 0: no upper bound).
	Min, Max int64
	// Unit is what an Int counts: "ms", "s" or "" (a count).
	Unit string
	// Whole makes a List's CLI flag take each value whole instead of
	// splitting it on commas (regular expressions may hold commas).
	Whole bool
}

// table lists the arguments in the order the docs show them.
var table = []Option{
	{Name: "regions", Flag: "region", Kind: List, Default: `["*"]`, Example: `["*"]`,
		Doc: `regions to evaluate; "*" is every region enabled in the account and wildcards such as "eu-*" narrow it; an empty list is an error. Rules like multi_region need every enabled region for an exact answer`},
	{Name: "profile", Flag: "profile", Kind: String, Example: `"audit"`,
		Doc: "AWS shared-config profile (default: the SDK's chain: AWS_* environment variables, shared config and credentials files, SSO, instance roles)"},
	{Name: "access_key", Flag: "access-key", Kind: String, Example: `"AKIA..."`, Doc: "static AWS access key ID (with secret_key)"},
	{Name: "secret_key", Flag: "secret-key", Kind: String, Example: `"..."`, Doc: "static AWS secret access key (with access_key)"},
	{Name: "session_token", Flag: "session-token", Kind: String, Example: `"..."`, Doc: "AWS session token of temporary static credentials"},
	{Name: "endpoint_url", Flag: "endpoint-url", Kind: String, Example: `"http://127.0.0.1:4566"`,
		Doc: "an AWS-compatible endpoint for every service (S3 then path-style); AWS_ENDPOINT_URL is honoured too; a user and password in it are never printed"},
	{Name: "default_region", Flag: "default-region", Kind: String, Example: `"us-east-1"`,
		Doc: "region of the account-wide calls (sts:GetCallerIdentity, ec2:DescribeRegions), as in steampipe-plugin-aws (default: AWS_REGION, the profile's region, else us-east-1, or the partition's region when only China or GovCloud regions are configured)"},
	{Name: "s3_force_path_style", Flag: "s3-force-path-style", Kind: Bool, Default: "false", Example: "false",
		Doc: "address S3 path-style on AWS's own endpoints too (a custom endpoint_url is always path-style)"},
	{Name: "max_error_retry_attempts", Flag: "max-error-retry-attempts", Kind: Int,
		Doc: "attempts of a call in all, the first included (1 = no retry), as in steampipe-plugin-aws; AWS_MAX_ATTEMPTS when this is not set; only throttling, 5xx answers and dropped connections are retried"},
	{Name: "min_error_retry_delay", Flag: "min-error-retry-delay", Kind: Int, Doc: "first retry back-off (exponential, with jitter)"},
	{Name: "max_concurrency", Flag: "max-concurrency", Kind: Int, Doc: "AWS calls in flight per service and region, S3 apart"},
	{Name: "max_s3_concurrency", Flag: "max-s3-concurrency", Kind: Int, Doc: "S3 calls in flight per region"},
	{Name: "call_timeout", Flag: "call-timeout", Kind: Int,
		Doc: "how long one attempt of an AWS call may wait for its answer; on timeout it is not retried and its fact is reported as error"},
	{Name: "ignore_error_codes", Flag: "ignore-error-code", Kind: List, Example: `["AccessDenied*"]`,
		Doc: "AWS error codes to ignore, wildcards * and ? allowed, as in steampipe-plugin-aws: not retried, and every check that needed the fact is skip (naming the ignored code), never ok"},
	{Name: "ignore_error_messages", Flag: "ignore-error-message", Kind: List, Whole: true, Example: `["^.*is not authorized.*$"]`,
		Doc: "regular expressions (Go syntax) matched against the error text, with the same effect as ignore_error_codes"},
	{Name: "config_change_lookback", Flag: "config-change-lookback", Kind: String, Default: `"24h"`, Example: `"24h"`,
		Doc: `how far back config_changes looks: a Go duration or days ("7d"), at most 90 days`},
	{Name: "config_change_events", Flag: "config-change-event", Kind: List, Example: `["CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"]`,
		Doc: "CloudTrail event names that count as configuration changes (default: the 13 CloudTrail change calls)"},
	{Name: "cache_ttl", Flag: "cache-ttl", Kind: Int, Doc: "how long each AWS fact is reused"},
	{Name: "cache_dir", Flag: "cache-dir", Kind: String, Example: `"/var/cache/cloudtrailcc"`,
		Doc: "directory sharing the account snapshot between processes for cache_ttl (default: none)"},
	{Name: "exceptions_file", Flag: "exceptions", Kind: Path, Example: `"/etc/cloudtrailcc/exceptions.hcl"`,
		Doc: "HCL (.hcl) or YAML (.yaml, .yml) file of accepted findings: a matching alarm is suppressed, reported as skip, and fails no run; read again when it changes"},
	{Name: "organization_role_name", Flag: "organization-role-name", Kind: String, Example: `"cloudtrailcc-audit"`,
		Doc: "role assumed in each account of the organization: turns on the organization-wide audit"},
	{Name: "organization_role_arn", Flag: "organization-role-arn", Kind: String, Example: `"arn:aws:iam::{account_id}:role/cloudtrailcc-audit"`,
		Doc: "instead of the name, a role ARN template with {account_id}"},
	{Name: "external_id", Flag: "external-id", Kind: String, Example: `"..."`, Doc: "external ID passed to sts:AssumeRole"},
	{Name: "role_session_name", Flag: "role-session-name", Kind: String, Default: `"cloudtrailcc"`, Example: `"cloudtrailcc"`,
		Doc: "session name of each sts:AssumeRole"},
	{Name: "accounts", Flag: "account", Kind: List, Default: `["*"]`, Example: `["*"]`,
		Doc: `accounts to audit; "*" is every ACTIVE account of the organization (organizations:ListAccounts); a list of 12-digit ids needs no Organizations access`},
	{Name: "exclude_accounts", Flag: "exclude-account", Kind: List, Example: `["999999999999"]`, Doc: "accounts left out"},
	{Name: "max_concurrent_accounts", Flag: "max-concurrent-accounts", Kind: Int, Min: 1,
		Default: fmt.Sprint(organization.DefaultMaxConcurrentAccounts), Doc: "accounts read at once, each with its own API limits"},
}

func init() {
	for i, o := range table {
		if o.Kind != Int || o.Name == "max_concurrent_accounts" {
			continue
		}
		lo, hi, dflt, ok := inventory.OptionRange(o.Name)
		if !ok {
			panic("options: no range for " + o.Name)
		}
		table[i].Min, table[i].Max, table[i].Default = lo, hi, fmt.Sprint(dflt)
		table[i].Unit = inventory.OptionUnit(o.Name)
	}
	for i, o := range table {
		if o.Kind == Int {
			table[i].Example = table[i].Default
		}
	}
}

// All returns every argument, in the order the docs show them.
func All() []Option { return append([]Option(nil), table...) }

// Lookup returns the argument named name.
func Lookup(name string) (Option, bool) {
	for _, o := range table {
		if o.Name == name {
			return o, true
		}
	}
	return Option{}, false
}

// Check returns an error naming the argument and its range when v is
// outside it: an explicit value is used as given or refused, never taken
// for the default.
func (o Option) Check(v int) error {
	n := int64(v)
	switch {
	case o.Max == 0 && n < o.Min:
		return fmt.Errorf("%s: %d is not allowed; use %d or more, or leave it out for the default %s", o.Name, v, o.Min, o.Default)
	case o.Max != 0 && (n < o.Min || n > o.Max):
		return fmt.Errorf("%s: %d is out of range; use %d to %d, or leave it out for the default %s", o.Name, v, o.Min, o.Max, o.Default)
	}
	return nil
}

// Range is an Int argument's range and unit as text: "1 to 50", "1 to 5000
// ms", "1 or more" ("" for other kinds).
func (o Option) Range() string {
	if o.Kind != Int {
		return ""
	}
	unit := ""
	if o.Unit != "" {
		unit = " " + o.Unit
	}
	if o.Max == 0 {
		return fmt.Sprintf("%d or more%s", o.Min, unit)
	}
	return fmt.Sprintf("%d to %d%s", o.Min, o.Max, unit)
}

// Usage is the help of the argument's CLI flag: what it does, its range
// and its default.
func (o Option) Usage() string {
	var extra []string
	if r := o.Range(); r != "" {
		extra = append(extra, r)
	}
	if o.Default != "" {
		extra = append(extra, "default "+o.Default)
	}
	if len(extra) == 0 {
		return o.Doc
	}
	return o.Doc + " (" + strings.Join(extra, "; ") + ")"
}
