package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/emuclient"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
)

func TestBadOrganizationOptionsGetOneLineAndExit2(t *testing.T) {
	role := []string{"export", "cloudtrailcc_finding", "--access-key", "a", "--secret-key", "b", "--organization-role-name", "Audit"}
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"both role options", append(role, "--organization-role-arn", "arn:aws:iam::{account_id}:role/Audit"),
			[]string{"organization_role_name and organization_role_arn: set one, not both"}},
		{"template without placeholder", []string{"check", "--organization-role-arn", "arn:aws:iam::123456789012:role/Audit"},
			[]string{"organization_role_arn", "{account_id}"}},
		{"account id not 12 digits", append(role, "--account", "12345"), []string{`accounts[0]: "12345" is not a 12-digit account id`}},
		{"max_concurrent_accounts 0", append(role, "--max-concurrent-accounts", "0"), []string{"max_concurrent_accounts: 0 is not allowed", "1 or more"}},
		{"max_concurrent_accounts negative", append(role, "--max-concurrent-accounts", "-3"), []string{"max_concurrent_accounts: -3 is not allowed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := cli(t, "", tc.args...)
			if r.code != exitUsage || r.stdout != "" {
				t.Errorf("exit code %d, want %d; stdout %q", r.code, exitUsage, r.stdout)
			}
			r.oneErrorLine(t, tc.want...)
		})
	}
}

// organizationEmulator starts an emulator with the clean organization
// layout seeded, its default account the management account.
func organizationEmulator(t *testing.T) (string, *seed.Organization) {
	t.Helper()
	url, o, _ := organizationServer(t)
	return url, o
}

// organizationServer is organizationEmulator with the emulator itself (its
// request log).
func organizationServer(t *testing.T) (string, *seed.Organization, *awsemu.Server) {
	t.Helper()
	srv, url := emulatorServer(t)
	o, err := seed.OrganizationClean(context.Background(), seed.Target{EndpointURL: url, AccessKey: demoAccessKey,
		SecretKey: demoSecretKey, Control: emuclient.New(url)})
	if err != nil {
		t.Fatal(err)
	}
	return url, o, srv
}

func TestCheckAuditsTheOrganizationAndExits3ForTheAccountThatFailed(t *testing.T) {
	url, o := organizationEmulator(t)
	r := cli(t, "", append(emulatorArgs(url), "check", "--output", "csv", "--organization-role-name", o.RoleName)...)
	if r.code != exitRuleError {
		t.Fatalf("exit code %d, want %d\n%s", r.code, exitRuleError, r.stderr)
	}
	for _, want := range []string{o.LogArchive.AccountID, o.Security.AccountID, o.Members[2],
		"sts:AssumeRole into " + o.RoleMissing + " failed: AccessDenied", "arn:aws:s3:::" + o.Bucket} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("CSV lacks %q", want)
		}
	}
	for _, id := range o.AuditedAccounts() {
		if !strings.Contains(r.stderr, "account "+id+": ") {
			t.Errorf("no summary line for account %s:\n%s", id, r.stderr)
		}
	}
}

// accountsBar is the description of the bar over the accounts of a check.
const accountsBar = "rules: "

func TestCheckShowsABarOverTheAccountsOnATerminalOnly(t *testing.T) {
	url, o := organizationEmulator(t)
	args := append(emulatorArgs(url), "check", "--output", "csv", "--organization-role-name", o.RoleName)

	terminal, reader := openPTY(t)
	screen := drain(reader)
	r := cliWithStderr(t, "", nil, terminal, args...)
	_ = terminal.Close()
	shown := screen()
	if r.code != exitRuleError {
		t.Fatalf("exit code %d on a terminal, want %d\n%s", r.code, exitRuleError, shown)
	}
	total := len(o.AuditedAccounts())
	if !strings.Contains(shown, accountsBar) || !strings.Contains(shown, fmt.Sprintf(" of %d accounts", total)) {
		t.Errorf("stderr on a terminal shows no bar over the %d accounts:\n%q", total, shown)
	}
	if strings.Contains(r.stdout, accountsBar) {
		t.Errorf("the bar went to stdout:\n%s", r.stdout)
	}

	// Not a terminal: no bar, no spinner.
	r = cli(t, "", args...)
	if strings.Contains(r.stderr, accountsBar) || strings.Contains(r.stderr, "evaluating") {
		t.Errorf("stderr that is not a terminal shows progress:\n%s", r.stderr)
	}
}

func TestCacheDirServesTheOrganizationToTheSameCallerOnly(t *testing.T) {
	url, o, srv := organizationServer(t)
	cacheDir := filepath.Join(t.TempDir(), "cache")
	args := append(emulatorArgs(url), "check", "--output", "csv", "--organization-role-name", o.RoleName, "--cache-dir", cacheDir)
	first := cli(t, "", args...)
	if first.code != exitRuleError {
		t.Fatalf("first check: exit %d\n%s", first.code, first.stderr)
	}

	// A second process within cache_ttl: the caller's identity, then the
	// whole organization from the cache, the same report.
	srv.ResetCalls()
	second := cli(t, "", args...)
	var actions []string
	for _, c := range srv.Calls() {
		actions = append(actions, c.Action)
	}
	if !slices.Equal(actions, []string{"sts:GetCallerIdentity"}) {
		t.Errorf("second check called %v; want the caller's identity only", actions)
	}
	if second.code != first.code || second.stdout != first.stdout {
		t.Errorf("second check (exit %d) differs from the first (exit %d)", second.code, first.code)
	}

	// Another caller with the same options is not served that snapshot.
	const key, secret = "AKIAOTHERCALLER", "other-caller-secret"
	srv.AddAccount(key, secret, "333344445555")
	srv.ResetCalls()
	other := append([]string{"--endpoint-url", url, "--access-key", key, "--secret-key", secret}, args[len(emulatorArgs(url)):]...)
	cli(t, "", other...)
	if n := len(srv.Calls()); n < 2 {
		t.Errorf("another caller made %d calls; want its own reads, not the cached organization", n)
	}
}
