package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/report"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
)

// awsCLI runs the AWS CLI against the emulator as a user with nothing but
// the emulator's credentials: temp config and credentials files, a temp
// HOME, no proxy except the emulator itself for S3 Control.
type awsCLI struct {
	t        *testing.T
	bin, url string
	env      []string
}

// findAWSCLI returns the AWS CLI to run: Debian's /usr/bin/aws when
// present, else the first aws on PATH; the test is skipped without one.
func findAWSCLI(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/aws"); err == nil {
		return "/usr/bin/aws"
	}
	bin, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("the AWS CLI (aws) is not installed: apt-get install awscli (.ci/run does) to run the AWS CLI test")
	}
	return bin
}

func newAWSCLI(t *testing.T, url string) *awsCLI {
	t.Helper()
	home := t.TempDir()
	config, creds := filepath.Join(home, "config"), filepath.Join(home, "credentials")
	for _, f := range []string{config, creds} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c := &awsCLI{t: t, bin: findAWSCLI(t), url: url}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "AWS_") || name == "HOME" || strings.HasSuffix(strings.ToLower(name), "_proxy") {
			continue
		}
		c.env = append(c.env, kv)
	}
	c.env = append(c.env, "HOME="+home, "AWS_CONFIG_FILE="+config, "AWS_SHARED_CREDENTIALS_FILE="+creds,
		"AWS_ACCESS_KEY_ID="+awsemu.DefaultAccessKeyID, "AWS_SECRET_ACCESS_KEY="+awsemu.DefaultSecretAccessKey,
		"AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true", "AWS_MAX_ATTEMPTS=1")
	return c
}

// run calls the AWS CLI with --endpoint-url and JSON output and returns the
// decoded answer (nil for an empty one).
func (c *awsCLI) run(args ...string) map[string]any {
	c.t.Helper()
	return c.runEnv(nil, args...)
}

// s3control runs an S3 Control call. The CLI sends it to ACCOUNT.HOST,
// which does not resolve; the emulator, as the CLI's HTTP proxy, receives
// it for that host.
func (c *awsCLI) s3control(args ...string) map[string]any {
	c.t.Helper()
	proxy := []string{"HTTP_PROXY=" + c.url, "http_proxy=" + c.url, "NO_PROXY=", "no_proxy="}
	return c.runEnv(proxy, append([]string{"s3control"}, args...)...)
}

func (c *awsCLI) runEnv(extra []string, args ...string) map[string]any {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	argv := append([]string{"--endpoint-url", c.url, "--output", "json"}, args...)
	cmd := exec.CommandContext(ctx, c.bin, argv...)
	cmd.Env = append(slices.Clone(c.env), extra...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		c.t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	if strings.TrimSpace(out.String()) == "" {
		return nil
	}
	var v map[string]any
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		c.t.Fatalf("aws %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return v
}

// at walks a decoded JSON value along a dotted path ("Trail.Name",
// "Grants.0.Permission").
func at(v any, path string) any {
	for _, k := range strings.Split(path, ".") {
		switch n := v.(type) {
		case map[string]any:
			v = n[k]
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(n) {
				return nil
			}
			v = n[i]
		default:
			return nil
		}
	}
	return v
}

// expect asserts that each dotted path of v holds the wanted value
// (compared as printed).
func expect(t *testing.T, what string, v map[string]any, want map[string]any) {
	t.Helper()
	for path, w := range want {
		if got := at(v, path); fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("%s: %s = %v, want %v", what, path, got, w)
		}
	}
}

const (
	cliAccount      = awsemu.DefaultAccountID
	cliTrailBucket  = "audit-trail-logs"
	cliAccessBucket = "audit-access-logs"
	cliOpenBucket   = "regional-trail-logs"
)

// TestAWSCLISeedsAccountAndCheckFindsWhatWasSeeded seeds an account into the
// emulator with the AWS CLI only (what AWS alone sets, the CloudWatch Logs
// delivery time, through the control endpoint), reads every setting back
// with the AWS CLI, and checks that cloudtrailcc check finds exactly what
// follows from it: a well-kept multi-region trail and bucket, and a
// regional trail that misses every option, delivering to a public bucket.
func TestAWSCLISeedsAccountAndCheckFindsWhatWasSeeded(t *testing.T) {
	srv, url := emulatorServer(t)
	aws := newAWSCLI(t, url)
	trailARN := "arn:aws:cloudtrail:us-east-1:" + cliAccount + ":trail/audit"
	regionalARN := "arn:aws:cloudtrail:eu-west-1:" + cliAccount + ":trail/regional"

	// Buckets: the trail's bucket with access logging, versioning, a private
	// ACL, CloudTrail's bucket policy and Block Public Access; the other
	// trail's bucket readable by everyone.
	aws.run("s3api", "create-bucket", "--bucket", cliAccessBucket)
	aws.run("s3api", "put-bucket-acl", "--bucket", cliAccessBucket,
		"--grant-write", "uri=http://acs.amazonaws.com/groups/s3/LogDelivery", "--grant-read-acp", "uri=http://acs.amazonaws.com/groups/s3/LogDelivery")
	aws.run("s3api", "create-bucket", "--bucket", cliTrailBucket)
	aws.run("s3api", "put-bucket-logging", "--bucket", cliTrailBucket,
		"--bucket-logging-status", `{"LoggingEnabled":{"TargetBucket":"`+cliAccessBucket+`","TargetPrefix":"trail/"}}`)
	aws.run("s3api", "put-bucket-versioning", "--bucket", cliTrailBucket, "--versioning-configuration", "Status=Enabled")
	aws.run("s3api", "put-bucket-acl", "--bucket", cliTrailBucket, "--acl", "private")
	bucketPolicy := `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"AclCheck","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::` + cliTrailBucket + `"},` +
		`{"Sid":"Write","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::` + cliTrailBucket + `/AWSLogs/` + cliAccount + `/*",` +
		`"Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control"}}}]}`
	aws.run("s3api", "put-bucket-policy", "--bucket", cliTrailBucket, "--policy", bucketPolicy)
	aws.run("s3api", "put-public-access-block", "--bucket", cliTrailBucket, "--public-access-block-configuration",
		"BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true")
	aws.run("--region", "eu-west-1", "s3api", "create-bucket", "--bucket", cliOpenBucket, "--create-bucket-configuration", "LocationConstraint=eu-west-1")
	aws.run("--region", "eu-west-1", "s3api", "put-bucket-acl", "--bucket", cliOpenBucket, "--acl", "public-read")
	// The account blocks new public policies only: it neither ignores
	// public ACLs nor restricts public buckets.
	aws.s3control("put-public-access-block", "--account-id", cliAccount, "--public-access-block-configuration",
		"BlockPublicAcls=false,IgnorePublicAcls=false,BlockPublicPolicy=true,RestrictPublicBuckets=false")

	// The trail's KMS key, SNS topic, log group and the role CloudTrail
	// assumes to write to it.
	key := at(aws.run("kms", "create-key", "--description", "CloudTrail logs"), "KeyMetadata.Arn").(string)
	aws.run("kms", "enable-key-rotation", "--key-id", key)
	aws.run("kms", "create-alias", "--alias-name", "alias/cloudtrail", "--target-key-id", key)
	topic := at(aws.run("sns", "create-topic", "--name", "trail-deliveries"), "TopicArn").(string)
	topicPolicy := `{"Version":"2012-10-17","Statement":[{"Sid":"CloudTrail","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"SNS:Publish","Resource":"` + topic + `"}]}`
	aws.run("sns", "set-topic-attributes", "--topic-arn", topic, "--attribute-name", "Policy", "--attribute-value", topicPolicy)
	aws.run("logs", "create-log-group", "--log-group-name", "cloudtrail/audit")
	group := "arn:aws:logs:us-east-1:" + cliAccount + ":log-group:cloudtrail/audit:*"
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	role := at(aws.run("iam", "create-role", "--role-name", "CloudTrailToLogs", "--assume-role-policy-document", trust), "Role.Arn").(string)
	rolePolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"` + group + `"}]}`
	aws.run("iam", "put-role-policy", "--role-name", "CloudTrailToLogs", "--policy-name", "deliver", "--policy-document", rolePolicy)

	// The trails.
	aws.run("cloudtrail", "create-trail", "--name", "audit", "--s3-bucket-name", cliTrailBucket, "--is-multi-region-trail",
		"--enable-log-file-validation", "--kms-key-id", "alias/cloudtrail", "--sns-topic-name", "trail-deliveries",
		"--cloud-watch-logs-log-group-arn", group, "--cloud-watch-logs-role-arn", role)
	aws.run("cloudtrail", "put-event-selectors", "--trail-name", "audit", "--event-selectors",
		`[{"ReadWriteType":"All","IncludeManagementEvents":true,"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3"]}]}]`)
	aws.run("cloudtrail", "start-logging", "--name", "audit")
	aws.run("--region", "eu-west-1", "cloudtrail", "create-trail", "--name", "regional", "--s3-bucket-name", cliOpenBucket,
		"--no-include-global-service-events")
	if err := srv.SetTrailStatus(awsemu.TrailStatus{TrailARN: trailARN, LatestCloudWatchLogsDeliveryTime: awsemu.TimeStr(time.Now().Add(-time.Hour))}); err != nil {
		t.Fatal(err)
	}

	// Everything reads back with the AWS CLI.
	expect(t, "get-trail", aws.run("cloudtrail", "get-trail", "--name", trailARN), map[string]any{
		"Trail.S3BucketName": cliTrailBucket, "Trail.IsMultiRegionTrail": true, "Trail.IncludeGlobalServiceEvents": true,
		"Trail.LogFileValidationEnabled": true, "Trail.KmsKeyId": key, "Trail.SnsTopicARN": topic,
		"Trail.CloudWatchLogsLogGroupArn": group, "Trail.CloudWatchLogsRoleArn": role, "Trail.HasCustomEventSelectors": true,
	})
	expect(t, "get-trail-status", aws.run("cloudtrail", "get-trail-status", "--name", "audit"), map[string]any{"IsLogging": true})
	expect(t, "get-event-selectors", aws.run("cloudtrail", "get-event-selectors", "--trail-name", "audit"), map[string]any{
		"EventSelectors.0.DataResources.0.Type": "AWS::S3::Object", "EventSelectors.0.IncludeManagementEvents": true,
	})
	expect(t, "regional get-trail", aws.run("--region", "eu-west-1", "cloudtrail", "get-trail", "--name", "regional"), map[string]any{
		"Trail.IsMultiRegionTrail": false, "Trail.IncludeGlobalServiceEvents": false, "Trail.LogFileValidationEnabled": false, "Trail.KmsKeyId": nil,
	})
	expect(t, "describe-key", aws.run("kms", "describe-key", "--key-id", "alias/cloudtrail"), map[string]any{"KeyMetadata.Arn": key, "KeyMetadata.KeyState": "Enabled"})
	expect(t, "get-key-rotation-status", aws.run("kms", "get-key-rotation-status", "--key-id", key), map[string]any{"KeyRotationEnabled": true})
	expect(t, "get-topic-attributes", aws.run("sns", "get-topic-attributes", "--topic-arn", topic), map[string]any{"Attributes.Policy": topicPolicy})
	expect(t, "describe-log-groups", aws.run("logs", "describe-log-groups", "--log-group-name-prefix", "cloudtrail/"), map[string]any{"logGroups.0.arn": group})
	expect(t, "get-role", aws.run("iam", "get-role", "--role-name", "CloudTrailToLogs"), map[string]any{
		"Role.Arn": role, "Role.AssumeRolePolicyDocument.Statement.0.Principal.Service": "cloudtrail.amazonaws.com",
	})
	expect(t, "get-role-policy", aws.run("iam", "get-role-policy", "--role-name", "CloudTrailToLogs", "--policy-name", "deliver"),
		map[string]any{"PolicyDocument.Statement.0.Resource": group})
	expect(t, "get-bucket-logging", aws.run("s3api", "get-bucket-logging", "--bucket", cliTrailBucket),
		map[string]any{"LoggingEnabled.TargetBucket": cliAccessBucket, "LoggingEnabled.TargetPrefix": "trail/"})
	expect(t, "get-bucket-versioning", aws.run("s3api", "get-bucket-versioning", "--bucket", cliTrailBucket), map[string]any{"Status": "Enabled", "MFADelete": nil})
	expect(t, "get-bucket-acl", aws.run("s3api", "get-bucket-acl", "--bucket", cliTrailBucket), map[string]any{"Grants.0.Permission": "FULL_CONTROL", "Grants.1": nil})
	expect(t, "open get-bucket-acl", aws.run("--region", "eu-west-1", "s3api", "get-bucket-acl", "--bucket", cliOpenBucket),
		map[string]any{"Grants.1.Grantee.URI": "http://acs.amazonaws.com/groups/global/AllUsers", "Grants.1.Permission": "READ"})
	var gotPolicy, wantPolicy any
	_ = json.Unmarshal([]byte(at(aws.run("s3api", "get-bucket-policy", "--bucket", cliTrailBucket), "Policy").(string)), &gotPolicy)
	_ = json.Unmarshal([]byte(bucketPolicy), &wantPolicy)
	if fmt.Sprint(gotPolicy) != fmt.Sprint(wantPolicy) {
		t.Errorf("get-bucket-policy = %v", gotPolicy)
	}
	expect(t, "get-bucket-policy-status", aws.run("s3api", "get-bucket-policy-status", "--bucket", cliTrailBucket), map[string]any{"PolicyStatus.IsPublic": false})
	expect(t, "get-public-access-block", aws.run("s3api", "get-public-access-block", "--bucket", cliTrailBucket), map[string]any{
		"PublicAccessBlockConfiguration.BlockPublicAcls": true, "PublicAccessBlockConfiguration.RestrictPublicBuckets": true,
	})
	expect(t, "s3control get-public-access-block", aws.s3control("get-public-access-block", "--account-id", cliAccount), map[string]any{
		"PublicAccessBlockConfiguration.BlockPublicPolicy": true, "PublicAccessBlockConfiguration.IgnorePublicAcls": false,
	})
	if t.Failed() {
		t.FailNow()
	}

	r := cli(t, "", append([]string{"check", "--output", "json"}, emulatorArgs(url)...)...)
	if r.code != exitAlarm {
		t.Fatalf("check: exit %d, want %d (alarms); stderr:\n%s", r.code, exitAlarm, r.stderr)
	}
	var doc report.JSONReport
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("check output is not the JSON report: %v\n%s", err, r.stdout)
	}
	account, bucket := "arn:aws:::"+cliAccount, func(name string) string { return "arn:aws:s3:::" + name }
	want := map[[2]string]string{
		{"bucket_access_logging", bucket(cliTrailBucket)}: "ok",
		{"bucket_access_logging", bucket(cliOpenBucket)}:  "alarm",
		{"bucket_mfa_delete", bucket(cliTrailBucket)}:     "alarm",
		{"bucket_mfa_delete", bucket(cliOpenBucket)}:      "alarm",
		{"bucket_not_public", bucket(cliTrailBucket)}:     "ok",
		{"bucket_not_public", bucket(cliOpenBucket)}:      "alarm",
		{"multi_region", account}:                         "ok",
		{"global_services", account}:                      "ok",
		{"duplicate_global_events", account}:              "ok",
		{"cloudwatch_integration", trailARN}:              "ok",
		{"cloudwatch_integration", regionalARN}:           "alarm",
		{"log_file_validation", trailARN}:                 "ok",
		{"log_file_validation", regionalARN}:              "alarm",
		{"kms_encryption", trailARN}:                      "ok",
		{"kms_encryption", regionalARN}:                   "alarm",
		{"data_events", trailARN}:                         "ok",
		{"data_events", regionalARN}:                      "alarm",
		{"delivery_failing", trailARN}:                    "ok",
		{"delivery_failing", regionalARN}:                 "alarm",
		{"management_events", trailARN}:                   "ok",
		{"management_events", regionalARN}:                "ok",
		{"sns_topic_exists", trailARN}:                    "ok",
		{"sns_topic_exists", regionalARN}:                 "skip",
	}
	var changes []string
	got, reasons := map[[2]string]string{}, map[[2]string]string{}
	for _, f := range doc.Findings {
		if f.AccountID != cliAccount {
			t.Errorf("finding of account %q: %+v", f.AccountID, f)
		}
		if f.RuleID == "config_changes" {
			changes = append(changes, string(f.Status)+" "+f.Region+" "+f.Resource+" "+strings.Fields(f.Reason + " -")[0])
			continue
		}
		got[[2]string{f.RuleID, f.Resource}] = string(f.Status)
		reasons[[2]string{f.RuleID, f.Resource}] = f.Reason
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s on %s: %q, want %q", k[0], k[1], got[k], w)
		}
	}
	for k, s := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected finding: %s on %s: %s", k[0], k[1], s)
		}
	}
	// The reasons name what was seeded.
	for k, w := range map[[2]string]string{
		{"bucket_not_public", bucket(cliOpenBucket)}:      "READ to AllUsers",
		{"bucket_not_public", bucket(cliTrailBucket)}:     "at bucket level",
		{"bucket_access_logging", bucket(cliTrailBucket)}: cliAccessBucket,
		{"bucket_mfa_delete", bucket(cliTrailBucket)}:     "versioning Enabled",
		{"kms_encryption", trailARN}:                      key,
		{"sns_topic_exists", trailARN}:                    topic,
		{"cloudwatch_integration", trailARN}:              group,
	} {
		if !strings.Contains(reasons[k], w) {
			t.Errorf("%s on %s: reason %q does not name %q", k[0], k[1], reasons[k], w)
		}
	}
	// Every write to CloudTrail above is a configuration change of its
	// region; the region with none is ok.
	for _, w := range []string{
		"alarm us-east-1 " + trailARN + " CreateTrail", "alarm us-east-1 " + trailARN + " PutEventSelectors",
		"alarm us-east-1 " + trailARN + " StartLogging", "alarm eu-west-1 " + regionalARN + " CreateTrail",
	} {
		if !slices.ContainsFunc(changes, func(c string) bool { return strings.HasPrefix(c, w) }) {
			t.Errorf("config_changes has no %q in %q", w, changes)
		}
	}
	if !slices.ContainsFunc(changes, func(c string) bool { return strings.HasPrefix(c, "ok ap-southeast-2 ") }) || len(changes) != 5 {
		t.Errorf("config_changes findings = %q, want the four changes and ok for ap-southeast-2", changes)
	}
}
