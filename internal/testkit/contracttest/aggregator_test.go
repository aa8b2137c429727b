package contracttest

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	sdkgrpc "github.com/turbot/steampipe-plugin-sdk/v5/grpc"
	"github.com/turbot/steampipe-plugin-sdk/v5/grpc/proto"
)

// A second account of the emulator, beside the fixture's default one.
const (
	otherAccessKey = "AKIAOTHERACCOUNT"
	otherSecretKey = "other-secret"
	otherAccountID = "210987654321"
)

// aggregated configures connections "a" (the fixture's account) and "b"
// (otherAccountID) and an aggregator "all" over both.
func aggregated(t *testing.T, f *Fixture) *sdkgrpc.PluginClient {
	t.Helper()
	f.Emu.AddAccount(otherAccessKey, otherSecretKey, otherAccountID)
	pc := launch(t)
	other := fmt.Sprintf("endpoint_url = %q\naccess_key = %q\nsecret_key = %q\nregions = [\"*\"]\n", f.URL, otherAccessKey, otherSecretKey)
	if err := configureAggregator(pc, map[string]string{"a": f.Config(), "b": other}); err != nil {
		t.Fatalf("SetAllConnectionConfigs: %v", err)
	}
	return pc
}

// configureAggregator configures the connections children (name -> HCL)
// and an aggregator "all" over them, as Steampipe sends an aggregator: its
// own config entry with type "aggregator", no HCL body and the names of
// its child connections.
func configureAggregator(pc *sdkgrpc.PluginClient, children map[string]string) error {
	req := &proto.SetAllConnectionConfigsRequest{}
	names := slices.Sorted(maps.Keys(children))
	for _, name := range names {
		req.Configs = append(req.Configs, &proto.ConnectionConfig{Connection: name, Plugin: "local/cloudtrailcc", PluginShortName: "cloudtrailcc", Config: children[name]})
	}
	req.Configs = append(req.Configs, &proto.ConnectionConfig{Connection: "all", Plugin: "local/cloudtrailcc", PluginShortName: "cloudtrailcc", Type: "aggregator", ChildConnections: names})
	resp, err := pc.SetAllConnectionConfigs(req)
	if err != nil {
		return err
	}
	if len(resp.FailedConnections) > 0 {
		return fmt.Errorf("failed connections: %v", resp.FailedConnections)
	}
	return nil
}

// callsByAccount returns the actions the emulator served since the last
// reset, by the account whose credentials signed them.
func callsByAccount(f *Fixture) map[string][]string {
	out := map[string][]string{}
	for _, c := range f.Emu.Calls() {
		out[c.AccountID] = append(out[c.AccountID], c.Action)
	}
	return out
}

// accountsOf returns the distinct account_id values of rows.
func accountsOf(rows []map[string]*proto.Column) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r["account_id"].GetStringValue())
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func TestAggregatorQueryOnAccountIDRunsOnThatAccountsConnectionOnly(t *testing.T) {
	f := Start(t)
	f.Seed(t)
	pc := aggregated(t, f)
	cols := []string{"rule_id", "status", "account_id"}

	// Cold: each child's account is unknown until its identity is read;
	// the other child reads that and nothing else.
	rows, err := executeOver(t, pc, "all", []string{"a", "b"}, "cloudtrailcc_finding", cols, eq("account_id", otherAccountID))
	if err != nil {
		t.Fatalf("findings where account_id = %s: %v", otherAccountID, err)
	}
	if got := accountsOf(rows); len(rows) == 0 || !slices.Equal(got, []string{otherAccountID}) {
		t.Fatalf("findings where account_id = %s: %d rows of accounts %v", otherAccountID, len(rows), got)
	}
	calls := callsByAccount(f)
	if got := calls[AccountID]; !slices.Equal(got, []string{"sts:GetCallerIdentity"}) {
		t.Errorf("connection a (account %s) called %v; want its identity only", AccountID, got)
	}
	if len(calls[otherAccountID]) < 2 {
		t.Errorf("connection b (account %s) called %v; want its facts read", otherAccountID, calls[otherAccountID])
	}

	// Unfiltered, the aggregator returns the rows of both accounts.
	f.Emu.ResetCalls()
	rows, err = executeOver(t, pc, "all", []string{"a", "b"}, "cloudtrailcc_finding", cols, nil)
	if err != nil {
		t.Fatalf("findings: %v", err)
	}
	if got := accountsOf(rows); !slices.Equal(got, []string{AccountID, otherAccountID}) {
		t.Errorf("unfiltered findings over the aggregator: accounts %v; want both", got)
	}

	// Warm (both accounts known): a filtered query reaches one child only;
	// tags are a fact no finding read, so that child must call AWS.
	f.Emu.ResetCalls()
	rows, err = executeOver(t, pc, "all", []string{"a", "b"}, "cloudtrailcc_trail", []string{"name", "tags", "account_id"}, eq("account_id", AccountID))
	if err != nil {
		t.Fatalf("trails where account_id = %s: %v", AccountID, err)
	}
	if len(rows) != 1 || rows[0]["name"].GetStringValue() != f.TrailName {
		t.Errorf("trails where account_id = %s: %v; want the seeded trail", AccountID, rows)
	}
	calls = callsByAccount(f)
	if len(calls) != 1 || !slices.Contains(calls[AccountID], "cloudtrail:ListTags") {
		t.Errorf("trails where account_id = %s: calls by account %v; want calls from %s's credentials only", AccountID, calls, AccountID)
	}
}

func TestSingleConnectionAnswersAnotherAccountIDWithNoRowsAfterItsIdentity(t *testing.T) {
	f, pc := seededPlugin(t)
	for _, table := range []string{"cloudtrailcc_trail", "cloudtrailcc_finding", "cloudtrailcc_region"} {
		rows, err := execute(t, pc, "aws", table, []string{"account_id"}, eq("account_id", otherAccountID))
		if err != nil || len(rows) != 0 {
			t.Errorf("%s where account_id = %s: %d rows, %v; want none", table, otherAccountID, len(rows), err)
		}
	}
	if got := f.Actions(); !slices.Equal(got, []string{"sts:GetCallerIdentity"}) {
		t.Errorf("queries for another account called %v; want one sts:GetCallerIdentity", got)
	}
	rows, err := execute(t, pc, "aws", "cloudtrailcc_trail", []string{"name", "account_id"}, eq("account_id", AccountID))
	if err != nil || len(rows) != 1 || rows[0]["account_id"].GetStringValue() != AccountID {
		t.Errorf("trail where account_id = own account: %v, %v; want the seeded trail", rows, err)
	}
}

func TestBadConfigOfALaterConnectionFailsItsQueriesNamingTheField(t *testing.T) {
	f := Start(t)
	pc := launch(t)
	// The schema is static: the SDK validates the first connection of a
	// batch; every other one is validated when it is queried.
	bad := strings.Replace(f.Config(), `regions = ["*"]`, `regions = ["moon-1"]`, 1)
	req := &proto.SetAllConnectionConfigsRequest{Configs: []*proto.ConnectionConfig{
		{Connection: "good", Plugin: "local/cloudtrailcc", PluginShortName: "cloudtrailcc", Config: f.Config()},
		{Connection: "bad", Plugin: "local/cloudtrailcc", PluginShortName: "cloudtrailcc", Config: bad},
	}}
	if _, err := pc.SetAllConnectionConfigs(req); err != nil {
		t.Logf("SetAllConnectionConfigs: %v", err)
	}
	wantBadRegionsError(t, f, pc, "bad")
}
