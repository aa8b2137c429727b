package contracttest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/turbot/steampipe-plugin-sdk/v5/grpc/proto"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/emuclient"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
)

// seedOrganization seeds the organization layout into the fixture's
// emulator, the fixture's account being the management account, and
// returns it with the HCL of an organization connection.
func seedOrganization(t *testing.T, f *Fixture) (*seed.Organization, string) {
	t.Helper()
	target := seed.Target{EndpointURL: f.URL, AccessKey: AccessKey, SecretKey: SecretKey, Region: "us-east-1", Control: emuclient.New(f.URL)}
	o, err := seed.OrganizationClean(context.Background(), target)
	if err != nil {
		t.Fatalf("seeding the organization: %v", err)
	}
	f.Emu.ResetCalls()
	return o, f.Config(fmt.Sprintf("organization_role_name = %q", o.RoleName))
}

func TestOrganizationConnectionAnswersAnAccountIDQueryWithThatAccountsRows(t *testing.T) {
	f := Start(t)
	o, orgConfig := seedOrganization(t, f)
	pc := launch(t)
	if err := configure(pc, map[string]string{"org": orgConfig}); err != nil {
		t.Fatalf("SetAllConnectionConfigs: %v", err)
	}
	cols := []string{"rule_id", "status", "resource", "account_id"}

	// The central bucket lives in the log-archive account: its findings
	// are that account's rows, whichever account's trail uses it.
	rows, err := execute(t, pc, "org", "cloudtrailcc_finding", cols, eq("account_id", o.LogArchive.AccountID))
	if err != nil {
		t.Fatalf("findings where account_id = %s: %v", o.LogArchive.AccountID, err)
	}
	if got := accountsOf(rows); len(rows) == 0 || !slices.Equal(got, []string{o.LogArchive.AccountID}) {
		t.Fatalf("findings where account_id = %s: %d rows of accounts %v", o.LogArchive.AccountID, len(rows), got)
	}
	bucketRules := 0
	for _, r := range rows {
		if r["resource"].GetStringValue() == "arn:aws:s3:::"+o.Bucket {
			bucketRules++
		}
	}
	if bucketRules != 3 {
		t.Errorf("findings where account_id = %s: %d about the central bucket; want its three bucket rules", o.LogArchive.AccountID, bucketRules)
	}

	// A member's rows: its account-level findings, through the same connection.
	member := o.Members[0]
	rows, err = execute(t, pc, "org", "cloudtrailcc_finding", cols, eq("account_id", member))
	if err != nil || len(rows) == 0 || !slices.Equal(accountsOf(rows), []string{member}) {
		t.Errorf("findings where account_id = %s: %d rows of accounts %v, %v", member, len(rows), accountsOf(rows), err)
	}

	// An account outside the organization: no rows.
	rows, err = execute(t, pc, "org", "cloudtrailcc_trail", []string{"name", "account_id"}, eq("account_id", "999999999999"))
	if err != nil || len(rows) != 0 {
		t.Errorf("trails where account_id is outside the organization: %d rows, %v; want none", len(rows), err)
	}
}

func TestAggregatorOverAnOrganizationAndAnAccountFiltersOnAccountID(t *testing.T) {
	f := Start(t)
	o, orgConfig := seedOrganization(t, f)
	// An account outside the organization, with a connection of its own.
	const soloKey, soloSecret, soloAccount = "AKIASOLOACCOUNT", "solo-secret", "333344445555"
	f.Emu.AddAccount(soloKey, soloSecret, soloAccount)
	solo := fmt.Sprintf("endpoint_url = %q\naccess_key = %q\nsecret_key = %q\nregions = [\"*\"]\n", f.URL, soloKey, soloSecret)
	pc := launch(t)
	if err := configureAggregator(pc, map[string]string{"org": orgConfig, "solo": solo}); err != nil {
		t.Fatalf("SetAllConnectionConfigs: %v", err)
	}
	rows, err := executeOver(t, pc, "all", []string{"org", "solo"}, "cloudtrailcc_finding", []string{"rule_id", "account_id"}, eq("account_id", o.Security.AccountID))
	if err != nil {
		t.Fatalf("findings where account_id = %s over the aggregator: %v", o.Security.AccountID, err)
	}
	if got := accountsOf(rows); len(rows) == 0 || !slices.Equal(got, []string{o.Security.AccountID}) {
		t.Errorf("findings where account_id = %s over the aggregator: %d rows of accounts %v", o.Security.AccountID, len(rows), got)
	}
	if got := callsByAccount(f)[soloAccount]; !slices.Equal(got, []string{"sts:GetCallerIdentity"}) {
		t.Errorf("the account connection called %v; want its identity only", got)
	}
}

func TestOrganizationTablesShowEachTrailAndBucketOnceUnderItsOwner(t *testing.T) {
	f := Start(t)
	o, orgConfig := seedOrganization(t, f)
	pc := launch(t)
	if err := configure(pc, map[string]string{"org": orgConfig}); err != nil {
		t.Fatalf("SetAllConnectionConfigs: %v", err)
	}

	// The organization trail: one row, in the management account, though
	// every member's DescribeTrails shows it.
	trails, err := execute(t, pc, "org", "cloudtrailcc_trail", []string{"arn", "account_id", "is_logging"}, nil)
	if err != nil {
		t.Fatalf("trails: %v", err)
	}
	var orgTrail []map[string]*proto.Column
	for _, r := range trails {
		if r["arn"].GetStringValue() == o.Trail.ARN {
			orgTrail = append(orgTrail, r)
		}
	}
	if len(orgTrail) != 1 || orgTrail[0]["account_id"].GetStringValue() != o.Management.AccountID || !orgTrail[0]["is_logging"].GetBoolValue() {
		t.Errorf("organization trail rows: %v; want one, logging, under %s", orgTrail, o.Management.AccountID)
	}

	// The central bucket: one row, under the log-archive account that owns
	// it, with its facts and the organization trail.
	buckets, err := execute(t, pc, "org", "cloudtrailcc_trail_bucket", []string{"name", "account_id", "owned", "trails", "versioning_enabled", "is_public"}, nil)
	if err != nil {
		t.Fatalf("trail buckets: %v", err)
	}
	var central []map[string]*proto.Column
	for _, r := range buckets {
		if r["name"].GetStringValue() == o.Bucket {
			central = append(central, r)
		}
	}
	if len(central) != 1 {
		t.Fatalf("central bucket rows: %v; want one", central)
	}
	c := central[0]
	if c["account_id"].GetStringValue() != o.LogArchive.AccountID || !c["owned"].GetBoolValue() ||
		!c["versioning_enabled"].GetBoolValue() || c["is_public"].GetBoolValue() ||
		!strings.Contains(string(c["trails"].GetJsonValue()), o.Trail.ARN) {
		t.Errorf("central bucket row: %v; want the log-archive account's facts (owned, versioned, not public) naming %s", c, o.Trail.ARN)
	}

	// Regions: every read account's own rows, a member's covered by the
	// organization trail with its owner's status.
	regions, err := execute(t, pc, "org", "cloudtrailcc_region", []string{"region", "account_id", "is_logging", "trails"}, nil)
	if err != nil {
		t.Fatalf("regions: %v", err)
	}
	perAccount := map[string]int{}
	for _, r := range regions {
		id := r["account_id"].GetStringValue()
		perAccount[id]++
		if slices.Contains(o.Members, id) && (!r["is_logging"].GetBoolValue() || !strings.Contains(string(r["trails"].GetJsonValue()), o.Trail.ARN)) {
			t.Errorf("member %s region %s: %v; want logging through %s", id, r["region"].GetStringValue(), r, o.Trail.ARN)
		}
	}
	for _, id := range append([]string{o.Management.AccountID, o.LogArchive.AccountID, o.Security.AccountID}, o.Members...) {
		if perAccount[id] != len(Regions) {
			t.Errorf("account %s: %d region rows; want %d", id, perAccount[id], len(Regions))
		}
	}
	if len(perAccount) != 6 {
		t.Errorf("region rows of accounts %v; want the six read accounts", perAccount)
	}
}

// On an organization connection, a bucket's tags are read by the account
// that owns it: the central bucket of the log-archive account, which the
// management account's organization trail delivers to, shows its tags in
// its one row and in the findings about it, read with the log-archive
// account's credentials.
func TestOrganizationBucketTagsAreReadByTheOwner(t *testing.T) {
	f := Start(t)
	o, orgConfig := seedOrganization(t, f)
	owner := seed.AccountTarget(seed.Target{EndpointURL: f.URL, AccessKey: AccessKey, SecretKey: SecretKey}, o.LogArchive.AccountID)
	cfg := f.AWS("us-east-1")
	cfg.Credentials = credentials.NewStaticCredentialsProvider(owner.AccessKey, owner.SecretKey, "")
	s3c := s3.NewFromConfig(cfg, func(opt *s3.Options) { opt.UsePathStyle = true })
	if _, err := s3c.PutBucketTagging(context.Background(), &s3.PutBucketTaggingInput{Bucket: aws.String(o.Bucket),
		Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("owner"), Value: aws.String("log-archive")}}}}); err != nil {
		t.Fatal(err)
	}
	f.Emu.ResetCalls()
	pc := launch(t)
	if err := configure(pc, map[string]string{"org": orgConfig}); err != nil {
		t.Fatalf("SetAllConnectionConfigs: %v", err)
	}
	buckets, err := execute(t, pc, "org", "cloudtrailcc_trail_bucket", []string{"name", "account_id", "tags"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range buckets {
		if r["name"].GetStringValue() != o.Bucket {
			continue
		}
		found = true
		if got := string(r["tags"].GetJsonValue()); got != `{"owner":"log-archive"}` || r["account_id"].GetStringValue() != o.LogArchive.AccountID {
			t.Errorf("central bucket under %s: tags %s, want the owner's {\"owner\": \"log-archive\"} under %s", r["account_id"].GetStringValue(), got, o.LogArchive.AccountID)
		}
	}
	if !found {
		t.Fatalf("no row of the central bucket %s: %v", o.Bucket, buckets)
	}
	tagReads := map[string]int{}
	for _, c := range f.Emu.Calls() {
		if c.Action == "s3:GetBucketTagging" {
			tagReads[c.AccountID]++
		}
	}
	if tagReads[o.LogArchive.AccountID] == 0 {
		t.Errorf("GetBucketTagging calls by account %v; want the log-archive account %s to read its bucket's tags", tagReads, o.LogArchive.AccountID)
	}
	findings, err := execute(t, pc, "org", "cloudtrailcc_finding", []string{"resource", "tags"}, eq("rule_id", "bucket_access_logging"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range findings {
		if strings.HasSuffix(r["resource"].GetStringValue(), ":::"+o.Bucket) {
			if got := string(r["tags"].GetJsonValue()); got != `{"owner":"log-archive"}` {
				t.Errorf("bucket_access_logging on the central bucket: tags %s", got)
			}
			return
		}
	}
	t.Errorf("no bucket_access_logging finding on the central bucket: %v", findings)
}
