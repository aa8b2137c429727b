package organization_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/inventory"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/organization"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/emuclient"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
)

// seeded starts an emulator with the clean organization layout.
func seeded(t *testing.T) (*awsemu.Server, *seed.Organization, organization.Config) {
	t.Helper()
	emu := awsemu.New(awsemu.Options{Regions: []string{"eu-west-1", "us-east-1"}, LookupEventsRate: -1})
	base, err := emu.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	o, err := seed.OrganizationClean(t.Context(), seed.Target{EndpointURL: base, AccessKey: "test", SecretKey: "test",
		Region: "us-east-1", Control: emuclient.New(base)})
	if err != nil {
		t.Fatal(err)
	}
	emu.ResetCalls()
	cfg := organization.Config{RoleName: o.RoleName, Inventory: inventory.Config{EndpointURL: base, AccessKey: "test", SecretKey: "test",
		MaxErrorRetryAttempts: 1}}
	return emu, o, cfg
}

// readAll audits the organization of cfg for every fact.
func readAll(t *testing.T, cfg organization.Config) *snapshot.Organization {
	t.Helper()
	col, err := organization.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	org, err := col.Snapshot(t.Context(), snapshot.NeedAll)
	if err != nil {
		t.Fatal(err)
	}
	return org
}

func TestOrganizationReadsEachAccountAndEachSharedFactOnce(t *testing.T) {
	emu, o, cfg := seeded(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	org := readAll(t, cfg)
	// the accounts' snapshots are kept in an unlinked file, not in memory
	// and not in a file anyone else could open
	if left, _ := os.ReadDir(tmp); !org.Spilled() || len(left) != 0 {
		t.Fatalf("spilled %v, files left in TMPDIR: %v", org.Spilled(), left)
	}
	var read []string
	for a := range org.Each() {
		read = append(read, a.AccountID)
	}
	if len(read) != 6 || len(org.Failed) != 1 || org.Failed[0].AccountID != o.RoleMissing ||
		org.Failed[0].Err.Action != "sts:AssumeRole" || org.Failed[0].Err.Code != "AccessDenied" ||
		strings.Join(org.Suspended, ",") != o.Suspended {
		t.Fatalf("read %v failed %+v suspended %v", read, org.Failed, org.Suspended)
	}
	logs := org.Account(o.LogArchive.AccountID)
	b := logs.Buckets[o.Bucket]
	if b == nil || !b.Owned || b.Logging == nil || b.Logging.TargetBucket == "" || org.BucketOwners[o.Bucket] != o.LogArchive.AccountID {
		t.Fatalf("central bucket in the log-archive snapshot: %+v owners %v", b, org.BucketOwners)
	}
	if k := org.Account(o.Security.AccountID).Keys[o.KeyARN]; k == nil || k.State != "Enabled" || k.Err != nil {
		t.Fatalf("key in the security snapshot: %+v", k)
	}
	counts := map[string]int{}
	for _, c := range emu.Calls() {
		counts[c.Action]++
	}
	// AssumeRole once per member (6 accounts with or without the role, the
	// management account reads itself), each central fact once.
	for action, want := range map[string]int{"sts:AssumeRole": 6, "organizations:ListAccounts": 1,
		"s3:GetBucketLogging": 1, "s3:GetBucketVersioning": 1, "s3:GetBucketLocation": 1, "kms:DescribeKey": 1} {
		if counts[action] != want {
			t.Errorf("%s called %d times, want %d (calls %v)", action, counts[action], want, counts)
		}
	}
}

func TestExplicitAccountsNeedNoOrganizationsAccess(t *testing.T) {
	emu, o, cfg := seeded(t)
	emu.AddFault(awsemu.Fault{Action: "organizations:ListAccounts", ErrorCode: "AccessDenied"})
	col, err := organization.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = col.Snapshot(t.Context(), snapshot.NeedTrails)
	if err == nil || !strings.Contains(err.Error(), "organizations:ListAccounts") || !strings.Contains(err.Error(), "accounts = [") {
		t.Fatalf("ListAccounts denied: %v", err)
	}
	cfg.Accounts = []string{o.Members[0], o.LogArchive.AccountID}
	col, err = organization.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	org, err := col.Snapshot(t.Context(), snapshot.NeedTrails)
	if err != nil || org.Len() != 2 || len(org.Failed) != 0 {
		t.Fatalf("explicit accounts: %+v, %v", org, err)
	}
}

func TestBadOrganizationOptionsAreNamed(t *testing.T) {
	for _, c := range []struct {
		cfg  organization.Config
		want string
	}{
		{organization.Config{RoleName: "a", RoleARN: "arn:aws:iam::{account_id}:role/a"}, "organization_role_name and organization_role_arn: set one, not both"},
		{organization.Config{RoleARN: "arn:aws:iam::123456789012:role/a"}, "has no {account_id} placeholder"},
		{organization.Config{RoleName: "a", Accounts: []string{"12345"}}, `accounts[0]: "12345" is not a 12-digit account id`},
		{organization.Config{RoleName: "a", MaxConcurrentAccounts: -1}, "max_concurrent_accounts: -1 is not allowed"},
	} {
		if err := c.cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.cfg, err, c.want)
		}
	}
}

// TestPackedOrganizationIsJudgedAsUnpacked: the organization a collection
// keeps (packed, decoded an account at a time) gives the same findings, in
// the same order, as the same snapshots held whole, for the clean and the
// bad organization.
func TestPackedOrganizationIsJudgedAsUnpacked(t *testing.T) {
	for name, seedOrg := range map[string]func(context.Context, seed.Target) (*seed.Organization, error){
		"clean": seed.OrganizationClean, "bad": seed.OrganizationBad} {
		t.Run(name, func(t *testing.T) {
			emu := awsemu.New(awsemu.Options{Regions: []string{"eu-west-1", "us-east-1"}, LookupEventsRate: -1})
			base, err := emu.Start("127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = emu.Close() })
			o, err := seedOrg(t.Context(), seed.Target{EndpointURL: base, AccessKey: "test", SecretKey: "test",
				Region: "us-east-1", Control: emuclient.New(base)})
			if err != nil {
				t.Fatal(err)
			}
			packed := readAll(t, organization.Config{RoleName: o.RoleName, Inventory: inventory.Config{EndpointURL: base,
				AccessKey: "test", SecretKey: "test", MaxErrorRetryAttempts: 1}})
			b, err := json.Marshal(packed)
			if err != nil {
				t.Fatal(err)
			}
			var whole snapshot.Organization
			if err := json.Unmarshal(b, &whole); err != nil {
				t.Fatal(err)
			}
			got, want := rules.EvaluateOrganization(packed), rules.EvaluateOrganization(&whole)
			if len(want) < 20 {
				t.Fatalf("only %d findings for the %s organization", len(want), name)
			}
			if gj, wj := mustJSON(t, got), mustJSON(t, want); gj != wj {
				t.Fatalf("%d findings of the packed organization differ from the %d of the whole one", len(got), len(want))
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAuditWithoutATemporaryDirectoryKeepsItsAccountsInMemory(t *testing.T) {
	_, o, cfg := seeded(t)
	t.Setenv("TMPDIR", t.TempDir()+"/missing")
	var logs bytes.Buffer
	cfg.Inventory.Logger = hclog.New(&hclog.LoggerOptions{Output: &logs})
	org := readAll(t, cfg)
	if org.Spilled() || org.Len() != 6 || org.Account(o.LogArchive.AccountID) == nil {
		t.Fatalf("spilled %v, %d accounts: an audit must not need a writable TMPDIR", org.Spilled(), org.Len())
	}
	// the central bucket was read with its owner's role keys, kept sealed
	// in memory; the audit says so once
	if b := org.Account(o.LogArchive.AccountID).Buckets[o.Bucket]; b == nil || b.Logging == nil {
		t.Fatalf("central bucket in the log-archive snapshot: %+v", b)
	}
	if n := strings.Count(logs.String(), "keeping the members' sealed role keys in memory"); n != 1 {
		t.Fatalf("warned %d times that the role keys are kept in memory, want once:\n%s", n, logs.String())
	}
}
