package snapcache_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/inventory"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapcache"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/emuclient"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
)

// TestAnotherAccountBehindTheSameProfile: the credentials of the profile a
// connection names are switched to another account between two runs that
// share a cache directory (same configuration, same cache key). The second
// run must collect its own account, never be served the first account's
// trails and findings.
func TestAnotherAccountBehindTheSameProfile(t *testing.T) {
	srv := awsemu.New(awsemu.Options{Regions: []string{"us-east-1", "eu-west-1"}, LookupEventsRate: -1})
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	const otherAccount, otherKey = "210987654321", "AKIAOTHERACCOUNT"
	srv.AddAccount(otherKey, "other-secret", otherAccount)
	demo, err := seed.Demo(context.Background(), seed.Target{EndpointURL: url, AccessKey: awsemu.DefaultAccessKeyID,
		SecretKey: awsemu.DefaultSecretAccessKey, Control: emuclient.New(url)})
	if err != nil {
		t.Fatal(err)
	}

	home := t.TempDir()
	credentials := filepath.Join(home, "credentials")
	useProfile := func(key, secret string) {
		body := "[audit]\naws_access_key_id = " + key + "\naws_secret_access_key = " + secret + "\nregion = us-east-1\n"
		if err := os.WriteFile(credentials, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_REGION"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", credentials)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, "config"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")

	dir := t.TempDir()
	// run is one process: a new Collector for the "audit" profile behind the
	// shared cache directory, with the same key each time.
	run := func() *snapshot.Account {
		t.Helper()
		col, err := inventory.New(inventory.Config{Profile: "audit", EndpointURL: url, MinErrorRetryDelay: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		src := snapcache.New(snapcache.Config{Dir: dir, Key: "audit-connection", TTL: time.Minute, Base: snapshot.NeedTrails}, col)
		acct, err := src.Snapshot(context.Background(), snapshot.NeedTrails)
		if err != nil {
			t.Fatal(err)
		}
		return acct
	}

	useProfile(awsemu.DefaultAccessKeyID, awsemu.DefaultSecretAccessKey)
	first := run()
	if first.AccountID != demo.AccountID || len(first.Trails) == 0 {
		t.Fatalf("first run: account %s with %d trails; want the seeded account %s and its trails", first.AccountID, len(first.Trails), demo.AccountID)
	}

	useProfile(otherKey, "other-secret")
	srv.ResetCalls()
	second := run()
	if second.AccountID != otherAccount || len(second.Trails) != 0 {
		t.Fatalf("second run: account %s with %d trails; want account %s, which has none", second.AccountID, len(second.Trails), otherAccount)
	}
	if n := srv.CallCounts()["cloudtrail:DescribeTrails"]; n == 0 {
		t.Error("the second account was not collected: no DescribeTrails call")
	}

	// The first account again, within the TTL: the cache now holds the
	// second account's snapshot, so it collects again too.
	useProfile(awsemu.DefaultAccessKeyID, awsemu.DefaultSecretAccessKey)
	srv.ResetCalls()
	if third := run(); third.AccountID != demo.AccountID || len(third.Trails) != len(first.Trails) {
		t.Fatalf("third run: account %s with %d trails; want %s with %d", third.AccountID, len(third.Trails), demo.AccountID, len(first.Trails))
	}
	// And a fourth run of that same account is served from the cache: only
	// the caller identity is read.
	srv.ResetCalls()
	run()
	if calls := srv.CallCounts(); len(calls) != 1 || calls["sts:GetCallerIdentity"] != 1 {
		t.Errorf("a run within the TTL for the cached account called %v; want only sts:GetCallerIdentity", calls)
	}
}
