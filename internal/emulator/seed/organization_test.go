package seed_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
)

func TestOrganizationLayoutPutsTheTrailBucketAndKeyInThreeAccounts(t *testing.T) {
	tg := emulator(t)
	for _, bad := range []bool{false, true} {
		scenario := seed.OrganizationClean
		if bad {
			scenario = seed.OrganizationBad
		}
		o, err := scenario(t.Context(), tg)
		if err != nil {
			t.Fatal(err)
		}
		if o.Trail == nil || !o.Trail.Organization || o.Trail.OwnerAccountID != o.Management.AccountID ||
			o.LogArchive.Bucket("central").Name != o.Bucket || regionAccount(o.KeyARN) != seed.SecurityAccountID {
			t.Fatalf("layout %+v trail %+v", o, o.Trail)
		}
		// A member sees the organization trail; the central bucket is the
		// log-archive account's, not the management account's.
		member := seed.Target{EndpointURL: tg.EndpointURL, AccessKey: "m", SecretKey: "m", Region: "us-east-1"}
		if err := tg.Control.AddAccount(t.Context(), "m", "m", o.Members[0]); err != nil {
			t.Fatal(err)
		}
		seen, err := clients(t, member, "eu-west-1").CloudTrail.DescribeTrails(t.Context(), &cloudtrail.DescribeTrailsInput{})
		if err != nil || !containsTrail(seen.TrailList, o.Trail.ARN) {
			t.Fatalf("member trails %v, %v", seen, err)
		}
		_, err = clients(t, tg, "us-east-1").S3.GetBucketVersioning(t.Context(), &s3.GetBucketVersioningInput{Bucket: aws.String(o.Bucket)})
		if errorCode(err) != "AccessDenied" {
			t.Fatalf("management account reads the central bucket: %v", err)
		}
		if bad != (o.LogArchive.Bucket("central").Public == "acl") || bad == (o.LogArchive.Bucket("central").LogTarget != "") {
			t.Fatalf("bad=%v central bucket %+v", bad, o.LogArchive.Bucket("central"))
		}
	}
}

func containsTrail(list []cttypes.Trail, arn string) bool {
	for _, tr := range list {
		if aws.ToString(tr.TrailARN) == arn {
			return true
		}
	}
	return false
}

// regionAccount is the account field of an ARN.
func regionAccount(arn string) string {
	if parts := strings.Split(arn, ":"); len(parts) > 4 {
		return parts[4]
	}
	return ""
}
